"""The window. The only package that imports PySide6 or qasync (never at package import)."""
