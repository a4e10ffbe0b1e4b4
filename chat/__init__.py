"""Parley's chat-free core: conversations, the streaming session, secrets, settings."""
