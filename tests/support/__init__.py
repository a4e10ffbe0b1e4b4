"""Helpers shared by the tests: a loopback chat server and provider, Qt-on-asyncio waits."""
