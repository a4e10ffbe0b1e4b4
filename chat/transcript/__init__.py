"""Transcripts: conversations exported to Markdown, text, JSON, HTML or PDF, and imported
from Parley, ChatGPT or Claude exports."""
