"""``parley keys`` called in this process against the real keyring, so a mutation run (which
traces only this process) sees it; tests/chat/test_cli_keys.py runs the same as a program."""

from __future__ import annotations

import asyncio
import io
import subprocess
import sys
from pathlib import Path

import pytest

from chat.cli import EXIT_OK, EXIT_USAGE, main

from .streaming_server import install_plugin
from .test_secrets import NO_SERVICE, _secret_service_problem, _skip_or_fail

pytestmark = pytest.mark.keyring


@pytest.fixture(autouse=True)
def _service(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    if (problem := _secret_service_problem()) is not None:
        _skip_or_fail(f"{NO_SERVICE} ({problem})")
    path = install_plugin(
        tmp_path,
        {
            "LoopbackChat": "tests.chat.streaming_server:LoopbackChat",
            "Aichat2": "providers.seeds.aichat:Aichat",
        },
    )
    monkeypatch.syspath_prepend(str(path))


def lookup(username: str) -> str:
    command = ["secret-tool", "lookup", "service", "parley", "username", username]
    return subprocess.run(command, capture_output=True, text=True, check=False).stdout


def stdin(monkeypatch: pytest.MonkeyPatch, data: bytes) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data), encoding="utf-8"))


async def keys(*argv: str) -> int:
    return await asyncio.to_thread(main, ["keys", *argv])


async def test_set_stores_at_the_sites_origin_and_delete_forgets(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    stdin(monkeypatch, b"  sk-in-process \n")
    url = "http://127.0.0.1:7001/v1"
    assert await keys("set", "LoopbackChat", "api_key", "--base-url", url) == EXIT_OK
    out, err = capsys.readouterr()
    assert (out, err) == ("", "parley: stored api_key for LoopbackChat in the keyring.\n")
    name = "LoopbackChat/api_key@http://127.0.0.1:7001"
    assert await asyncio.to_thread(lookup, name) == "sk-in-process"
    assert await keys("delete", "LoopbackChat", "api_key", "--base-url", url) == EXIT_OK
    out, err = capsys.readouterr()
    assert err == "parley: forgot api_key for LoopbackChat.\n"
    assert await asyncio.to_thread(lookup, name) == ""


async def test_cookies_are_parsed_for_the_site_and_kept_as_json(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = ".chat-gpt.org\tTRUE\t/\tFALSE\t0\tsession\tabc\n.other.org\tTRUE\t/\tFALSE\t0\tx\ty\n"
    stdin(monkeypatch, rows.encode())
    assert await keys("set", "Aichat2", "cookies") == EXIT_OK
    assert await asyncio.to_thread(lookup, "Aichat2/cookies@https://chat-gpt.org") == (
        '{"session":"abc"}'
    )
    await keys("delete", "Aichat2", "cookies")
    capsys.readouterr()


async def test_cookies_that_cannot_be_read_are_a_usage_error(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    stdin(monkeypatch, b"{not json or cookies")
    assert await keys("set", "Aichat2", "cookies") == EXIT_USAGE
    assert capsys.readouterr().err.startswith("parley: ")


async def test_a_kind_the_provider_does_not_use_is_refused_with_the_one_it_does(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert await keys("set", "LoopbackChat", "cookies") == EXIT_USAGE
    assert capsys.readouterr().err == (
        "parley: LoopbackChat uses no cookies; it takes api_key: "
        "parley keys set LoopbackChat api_key.\n"
    )
    assert await keys("set", "Aichat2", "api_key") == EXIT_USAGE
    assert "it takes cookies" in capsys.readouterr().err


async def test_an_empty_secret_is_refused(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    stdin(monkeypatch, b"   \n")
    assert await keys("set", "LoopbackChat", "api_key") == EXIT_USAGE
    assert capsys.readouterr().err == "parley: No api_key given on stdin.\n"


async def test_what_keys_set_and_delete_do_is_what_the_window_knows_at_its_next_start(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from chat.stored_names import StoredNames

    name = "LoopbackChat/api_key@http://127.0.0.1:7002"
    url = "http://127.0.0.1:7002/v1"
    StoredNames().replace([])  # an earlier start found nothing stored
    stdin(monkeypatch, b"sk-for-the-window\n")
    assert await keys("set", "LoopbackChat", "api_key", "--base-url", url) == EXIT_OK
    assert not StoredNames().surely_absent(name)
    assert await keys("delete", "LoopbackChat", "api_key", "--base-url", url) == EXIT_OK
    assert StoredNames().surely_absent(name)
    capsys.readouterr()


async def test_list_shows_provider_kind_and_site_and_never_a_value(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    url = "http://127.0.0.1:7003/v1"
    stdin(monkeypatch, b"sk-never-shown\n")
    assert await keys("set", "LoopbackChat", "--base-url", url) == EXIT_OK  # its only kind
    stdin(monkeypatch, b"session=never-shown-either\n")
    assert await keys("set", "Aichat2", "cookies") == EXIT_OK
    capsys.readouterr()
    try:
        assert await keys("list") == EXIT_OK
        out, err = capsys.readouterr()
        assert "never-shown" not in out + err
        lines = [line.split() for line in out.splitlines()]
        assert ["Aichat2", "cookies", "https://chat-gpt.org"] in lines
        assert ["LoopbackChat", "api_key", "http://127.0.0.1:7003"] in lines
        assert err == ""
    finally:
        assert await keys("remove", "LoopbackChat", "--base-url", url) == EXIT_OK
        assert await keys("delete", "Aichat2", "cookies") == EXIT_OK  # the old name still works
    assert await keys("list") == EXIT_OK
    out, _ = capsys.readouterr()
    assert "LoopbackChat" not in out
    assert "Aichat2" not in out


async def test_a_kind_left_out_must_be_the_providers_only_one(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from chat.stored_names import StoredNames

    StoredNames().replace([])
    argv = ["endpoints", "add", "Mine", "--base-url", "http://127.0.0.1:7004/v1"]
    assert await asyncio.to_thread(main, [*argv, "--secret-header", "X-Gateway-Key"]) == EXIT_OK
    capsys.readouterr()
    stdin(monkeypatch, b"tok\n")
    assert await keys("set", "Mine") == EXIT_USAGE
    _, err = capsys.readouterr()
    assert err == (
        "parley: Mine takes api_key or header:X-Gateway-Key: say which, as in "
        "parley keys set Mine api_key.\n"
    )
    assert await keys("set", "ChatGptt") == EXIT_USAGE
    _, err = capsys.readouterr()
    assert err == "parley: ChatGptt needs no credentials, so none is stored.\n"
    assert StoredNames().read() == frozenset()  # nothing was stored
