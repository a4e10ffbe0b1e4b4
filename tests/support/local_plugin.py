"""A plugin's local server, at the address a test gives in ``PARLEY_TEST_LOCAL_URL``."""

from __future__ import annotations

import dataclasses
import os

from providers.presets import LM_STUDIO

TEST_LOCAL = dataclasses.replace(
    LM_STUDIO,
    name="TestLocal",
    label="Test local server",
    url=os.environ.get("PARLEY_TEST_LOCAL_URL", "http://127.0.0.1:9/v1"),
)
