"""Parley against a server that is not ours: LiteLLM's proxy, in each protocol it speaks.

    python scripts/against_litellm.py

LiteLLM re-encodes every reply itself: it takes OpenAI chat, Anthropic messages and Gemini
requests, asks one upstream (here our keyless OpenAI emulator, on loopback) and streams back
in the protocol it was asked in. So each `parley ask` below reads a stream that LiteLLM's code
wrote, not ours. LiteLLM goes into its own environment (``PARLEY_LITELLM_VENV``, by default
``~/.cache/parley-litellm``; the first run installs it from PyPI). Not part of the suite: the
install is large and the proxy takes half a minute to start. Exits 1 when any check fails.
"""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scripts.outside_server import Key, run_checks, wait_until_up  # noqa: E402
from tests.emulators.openai import OpenAIEmulator  # noqa: E402 (the checkout's own tests)

VENV = Path(os.environ.get("PARLEY_LITELLM_VENV", Path.home() / ".cache" / "parley-litellm"))
MASTER_KEY = "sk-parley-check"
REPLY = "Hello from the emulator."
CONFIG = """model_list:
  - model_name: test-model
    litellm_params:
      model: hosted_vllm/test-model
      api_base: {upstream}
      api_key: none
"""


def litellm() -> Path:
    """The proxy's command, installed into its own environment on the first run."""
    command = VENV / "bin" / "litellm"
    if not command.exists():
        print(f"Installing LiteLLM's proxy into {VENV} (once)...", flush=True)
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
        pip = [str(VENV / "bin" / "pip"), "install", "-q", "litellm[proxy]"]
        subprocess.run(pip, check=True)
    return command


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def keys(url: str) -> tuple[Key, ...]:
    """The proxy's master key, stored for each provider at the proxy's base URL."""
    return (
        ("OpenAICompatible", f"{url}/v1", MASTER_KEY),
        ("Anthropic", f"{url}/v1", MASTER_KEY),
        ("Gemini", url, MASTER_KEY),
    )


def checks(url: str) -> list[tuple[str, list[str], str | None]]:
    ask = ("ask", "--model", "test-model", "--system", "Be brief.")
    return [
        ("OpenAI chat", [*ask, "-p", "OpenAICompatible", "--base-url", f"{url}/v1", "hi"], REPLY),
        ("Anthropic messages", [*ask, "-p", "Anthropic", "--base-url", f"{url}/v1", "hi"], REPLY),
        ("Gemini streamGenerateContent", [*ask, "-p", "Gemini", "--base-url", url, "hi"], REPLY),
    ]


def against_proxy(command: Path, upstream: str) -> bool:
    """Start LiteLLM's proxy in front of ``upstream`` and run every check through it."""
    with tempfile.TemporaryDirectory(prefix="parley-litellm-") as folder:
        home = Path(folder)
        config = home / "litellm.yaml"
        config.write_text(CONFIG.format(upstream=upstream), encoding="utf-8")
        port = free_port()
        env = {
            **os.environ,
            "LITELLM_MASTER_KEY": MASTER_KEY,
            "LITELLM_LOCAL_MODEL_COST_MAP": "True",  # no fetch of the price list
            "NO_PROXY": "127.0.0.1,localhost",
        }
        serve = [str(command), "--config", str(config), "--host", "127.0.0.1", "--port", str(port)]
        with (home / "litellm.log").open("wb") as log:
            proxy = subprocess.Popen(serve, env=env, stdout=log, stderr=subprocess.STDOUT)
            try:
                url = f"http://127.0.0.1:{port}"
                wait_until_up(f"{url}/health/liveliness", proxy, 120.0)
                print(f"LiteLLM {litellm_version()} at {url}, upstream {upstream}")
                return run_checks(checks(url), home, keys(url))
            finally:
                proxy.terminate()
                proxy.wait(timeout=30)


def litellm_version() -> str:
    probe = "import importlib.metadata as m; print(m.version('litellm'))"
    python = str(VENV / "bin" / "python")
    done = subprocess.run([python, "-c", probe], capture_output=True, text=True, check=False)
    return done.stdout.strip() or "(version unknown)"


async def main() -> int:
    command = litellm()
    async with OpenAIEmulator("keyless") as upstream:  # served on this loop while checks run
        passed = await asyncio.to_thread(against_proxy, command, upstream.base_url)
    return 0 if passed else 1


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main()))
