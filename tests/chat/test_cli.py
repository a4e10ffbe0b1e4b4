"""``parley`` on the command line, as a user runs it: the installed script, a real server."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

import pytest

from chat.version import VERSION

from .streaming_server import StreamServer, install_plugin

ROOT = Path(__file__).resolve().parents[2]
PARLEY = Path(sys.executable).with_name("parley")


@pytest.fixture
def plugin_path(tmp_path: Path) -> Path:
    """A third-party package registering the Loopback provider."""
    return install_plugin(tmp_path, {"Loopback": "tests.chat.streaming_server:Loopback"})


def plugin_env(plugin: Path | None = None) -> dict[str, str]:
    """The environment for ``parley`` run from this checkout, with ``plugin`` installed."""
    path = os.pathsep.join(p for p in (str(plugin or ""), str(ROOT)) if p)
    return {**os.environ, "PYTHONPATH": path}


async def parley(
    *args: str, plugin: Path | None = None, stdin: bytes = b""
) -> tuple[int, str, str]:
    env = plugin_env(plugin)
    process = await asyncio.create_subprocess_exec(
        str(PARLEY),
        *args,
        env=env,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(stdin), 30)
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


async def test_version() -> None:
    code, out, _ = await parley("--version")
    assert (code, out.strip()) == (0, f"parley {VERSION}")


async def test_ask_streams_the_reply(server: StreamServer, plugin_path: Path) -> None:
    code, out, err = await parley(
        "ask", "--provider", "Loopback", "--base-url", server.url, "--system", "Be brief.",
        "-o", "temperature=0.2", "Hello?", plugin=plugin_path,
    )  # fmt: skip
    assert (code, out, err) == (0, "Hello there, friend.", "")
    sent = server.requests[0]["body"]["messages"]
    assert sent == [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "Hello?"},
    ]


async def test_ask_reads_the_prompt_from_stdin(server: StreamServer, plugin_path: Path) -> None:
    code, out, _ = await parley(
        "ask",
        "-p",
        "loopback",
        "--base-url",
        server.url,
        plugin=plugin_path,
        stdin=b"From a pipe\n",
    )
    assert (code, out) == (0, "Hello there, friend.")
    assert server.requests[0]["body"]["messages"][-1]["content"] == "From a pipe\n"


async def test_ask_reports_a_server_error_on_stderr(
    server: StreamServer, plugin_path: Path
) -> None:
    server.fail_status = 503
    code, out, err = await parley(
        "ask", "--provider", "Loopback", "--base-url", server.url, "hi", plugin=plugin_path
    )
    assert code == 1
    assert out == ""
    assert "HTTP 503" in err
    assert "Server exploded" in err


async def test_ask_keeps_partial_text_when_the_stream_is_cut(
    server: StreamServer, plugin_path: Path
) -> None:
    server.cut_after = 1
    code, out, err = await parley(
        "ask", "--provider", "Loopback", "--base-url", server.url, "hi", plugin=plugin_path
    )
    assert (code, out) == (1, "Hello")
    assert "closed in the middle of the reply" in err


async def test_unreachable_site_says_a_base_url_can_be_set(plugin_path: Path) -> None:
    code, _, err = await parley(
        "ask",
        "--provider",
        "Loopback",
        "--base-url",
        "http://127.0.0.1:9",
        "hi",
        plugin=plugin_path,
    )
    assert code == 1
    assert "Could not reach 127.0.0.1:9" in err
    assert "base URL" in err


async def test_saved_settings_apply_and_the_command_line_wins(
    server: StreamServer, plugin_path: Path, config_home: Path
) -> None:
    from chat.settings import Settings

    settings = Settings.load(config_home / "settings.json")
    settings.set("provider", "Loopback")
    settings.set_provider("Loopback", "base_url", server.url)
    settings.save()
    code, out, _ = await parley("ask", "hi", plugin=plugin_path)
    assert (code, out) == (0, "Hello there, friend.")
    code, _, err = await parley("ask", "--base-url", "http://127.0.0.1:9", "hi", plugin=plugin_path)
    assert code == 1
    assert "127.0.0.1:9" in err


async def test_unknown_provider_lists_the_known_ones(plugin_path: Path) -> None:
    code, _, err = await parley("ask", "--provider", "Nope", "hi", plugin=plugin_path)
    assert code == 2
    assert "No provider named 'Nope'" in err
    assert "Loopback" in err


async def test_bad_option_and_bad_base_url_are_usage_errors(plugin_path: Path) -> None:
    code, _, err = await parley("ask", "-p", "Loopback", "-o", "oops", "hi", plugin=plugin_path)
    assert code == 2
    assert "KEY=VALUE" in err
    code, _, err = await parley(
        "ask", "-p", "Loopback", "--base-url", "ftp://x", "hi", plugin=plugin_path
    )
    assert code == 2
    assert "--base-url" in err


async def test_subcommands_never_import_qt(plugin_path: Path) -> None:
    env = plugin_env(plugin_path)
    code = (
        "import sys, io, contextlib\n"
        "from gui.__main__ import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    main(['providers'])\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('PySide6', 'qasync')))\n"
    )
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-c", code, env=env, stdout=asyncio.subprocess.PIPE
    )
    out, _ = await process.communicate()
    assert out.decode().strip() == "[]"


async def test_ctrl_c_stops_cleanly_and_keeps_what_arrived(
    server: StreamServer, plugin_path: Path
) -> None:
    server.reply = " ".join(f"w{i}" for i in range(400))
    server.delay = 0.02
    env = plugin_env(plugin_path)
    args = ["ask", "-p", "Loopback", "--base-url", server.url, "hi"]
    process = await asyncio.create_subprocess_exec(
        str(PARLEY), *args, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    assert process.stdout is not None
    first = await asyncio.wait_for(process.stdout.read(2), 10)
    process.send_signal(signal.SIGINT)
    out, err = await asyncio.wait_for(process.communicate(), 10)
    assert process.returncode == 130
    assert (first + out).decode().startswith("w0")
    assert "Traceback" not in err.decode()
    assert "interrupted" in err.decode()
    await asyncio.wait_for(server.disconnected.wait(), 5)


@pytest.mark.parametrize("action", ["set", "delete"])
async def test_keys_with_a_keyring_that_refuses_says_so_without_a_traceback(
    monkeypatch: pytest.MonkeyPatch, action: str
) -> None:
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "tests.support.keyrings.RefusingKeyring")
    code, out, err = await parley("keys", action, "VoiGpt", "access_token", stdin=b"tok-secret\n")
    assert (code, out) == (1, "")
    assert err.startswith("parley: The keyring refused to ")
    assert "Unlock your keyring" in err
    assert "Traceback" not in err
    assert "tok-secret" not in err


async def test_the_window_without_a_display_says_what_to_do() -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env.pop("QT_QPA_PLATFORM", None)
    process = await asyncio.create_subprocess_exec(
        str(PARLEY), env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    out, err = await asyncio.wait_for(process.communicate(), 30)
    assert process.returncode == 1
    assert out == b""
    assert "needs a graphical display" in err.decode()
    assert "parley ask" in err.decode()


@pytest.mark.parametrize(
    ("provider", "quirks", "more"),
    [
        ("LlamaCpp", ("keyless",), ()),  # a local server that wants no key
    ],
)
async def test_asking_with_nothing_to_read_from_the_keyring_never_opens_it(
    provider: str, quirks: tuple[str, ...], more: tuple[str, ...]
) -> None:
    from tests.emulators.openai import OpenAIEmulator

    async with OpenAIEmulator(*quirks) as server:
        args = ["ask", "-p", provider, "--base-url", server.base_url, *more, "hi"]
        code = (
            "import sys\n"
            "from gui.__main__ import main\n"
            f"code = main({args!r})\n"
            "print('', code, 'keyring' in sys.modules, 'secretstorage' in sys.modules)\n"
        )
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-c", code, env=plugin_env(), stdout=asyncio.subprocess.PIPE
        )
        out, _ = await asyncio.wait_for(process.communicate(), 30)
    assert out.decode() == "Hello from the emulator. 0 False False\n"
