"""Markdown for the pane and the exports: one parser with its safety rules, and its renderers."""
