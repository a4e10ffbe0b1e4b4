"""``parley endpoints add|list|remove`` in this process: what each says, word for word, what
it keeps in the settings file, and the secrets ``remove`` forgets."""

from __future__ import annotations

import asyncio
import io
import json
import sys
from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest

from chat import paths
from chat.cli import EXIT_OK, EXIT_USAGE, main
from chat.endpoints import Endpoint, save_endpoint
from chat.settings import Settings

from .streaming_server import install_plugin
from .test_cli_contract import MemoryKeyring


@pytest.fixture(autouse=True)
def secrets() -> Iterator[MemoryKeyring]:
    """The keyring ``parley`` finds: this test's own, never the user's."""
    backend = MemoryKeyring()
    before = keyring.get_keyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(before)


@pytest.fixture(autouse=True)
def plugin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = install_plugin(tmp_path, {"Keyed": "tests.chat.streaming_server:LoopbackChat"})
    monkeypatch.syspath_prepend(str(path))


def settings_path() -> Path:
    return paths.config_dir() / "settings.json"


def saved_endpoints() -> object:
    return json.loads(settings_path().read_text()).get("endpoints")


async def parley(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """``main`` on a worker thread: it runs its own event loop."""
    code = await asyncio.to_thread(main, list(argv))
    out, err = capsys.readouterr()
    return code, out, err


async def test_add_says_where_the_endpoint_is_and_how_to_give_its_first_secret_header(
    capsys: pytest.CaptureFixture[str],
) -> None:
    result = await parley(
        capsys, "endpoints", "add", "  My   vLLM ", "--base-url", "http://127.0.0.1:8000/v1",
        "--header", " X-Team = blue ", "--header", "X-Route=a=b",
        "--secret-header", "X-Gateway-Key", "--secret-header", "X-Other-Key",
    )  # fmt: skip
    assert result == (
        EXIT_OK,
        "",
        "parley: added the endpoint My vLLM at http://127.0.0.1:8000/v1.\n"
        "parley: give its secret header: parley keys set 'My vLLM' header:X-Gateway-Key\n",
    )
    assert saved_endpoints() == {
        "My vLLM": {
            "base_url": "http://127.0.0.1:8000/v1",
            "headers": {"X-Team": "blue", "X-Route": "a=b"},
            "secret_headers": ["X-Gateway-Key", "X-Other-Key"],
        }
    }


async def test_add_without_secret_headers_says_only_where_it_is(
    capsys: pytest.CaptureFixture[str],
) -> None:
    result = await parley(capsys, "endpoints", "add", "Mine", "--base-url", "http://127.0.0.1:1")
    assert result == (EXIT_OK, "", "parley: added the endpoint Mine at http://127.0.0.1:1.\n")
    assert saved_endpoints() == {"Mine": {"base_url": "http://127.0.0.1:1"}}
    assert await parley(capsys, "endpoints", "list") == (EXIT_OK, "Mine\thttp://127.0.0.1:1\n", "")


async def test_an_endpoint_can_be_replaced_under_its_own_name_even_when_a_plugin_took_it(
    capsys: pytest.CaptureFixture[str],
) -> None:
    settings = Settings.load()
    save_endpoint(settings, Endpoint("Keyed", "http://127.0.0.1:1/v1"))
    settings.save()
    result = await parley(capsys, "endpoints", "add", "Keyed", "--base-url", "http://127.0.0.1:2")
    assert result == (EXIT_OK, "", "parley: added the endpoint Keyed at http://127.0.0.1:2.\n")
    assert saved_endpoints() == {"Keyed": {"base_url": "http://127.0.0.1:2"}}


@pytest.mark.parametrize(
    ("argv", "said"),
    [
        (["Mine", "--header", "X-Team"], "--header 'X-Team': write NAME=VALUE."),
        (["Keyed"], "“Keyed” is already the name of a provider; pick another."),
        (["a/b"], "'a/b' cannot name an endpoint: use up to 60 characters, no “/”."),
        (
            ["Mine", "--header", "Bad Name=x"],
            "the endpoint “Mine”: 'Bad Name' is not a header name (letters, digits, “-”).",
        ),
    ],
)
async def test_add_refuses_what_it_cannot_keep_and_keeps_nothing(
    capsys: pytest.CaptureFixture[str], argv: list[str], said: str
) -> None:
    result = await parley(capsys, "endpoints", "add", *argv, "--base-url", "http://127.0.0.1:1")
    assert result == (EXIT_USAGE, "", f"parley: {said}\n")
    assert not settings_path().exists()


async def test_list_says_which_endpoint_it_left_out(capsys: pytest.CaptureFixture[str]) -> None:
    settings_path().parent.mkdir(parents=True)
    raw = {"Good": {"base_url": "http://127.0.0.1:1"}, "Bad": {"base_url": 3}}
    settings_path().write_text(json.dumps({"endpoints": raw}))
    assert await parley(capsys, "endpoints", "list") == (
        EXIT_OK,
        "Good\thttp://127.0.0.1:1\n",
        f"parley: In {settings_path()}, the endpoint “Bad” has no base_url; fix it or add the "
        "endpoint again.\n",
    )


async def test_remove_forgets_the_endpoints_key_and_secret_headers(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, secrets: MemoryKeyring
) -> None:
    argv = ["endpoints", "add", "Mine", "--base-url", "http://127.0.0.1:1/v1"]
    assert (await parley(capsys, *argv, "--secret-header", "X-Gateway-Key"))[0] == EXIT_OK
    for kind, value in (("api_key", b"sk-mine"), ("header:X-Gateway-Key", b"gw")):
        monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(value), encoding="utf-8"))
        assert (await parley(capsys, "keys", "set", "Mine", kind))[0] == EXIT_OK
    secrets.set_password("parley", "Other/api_key@http://127.0.0.1:1", "kept")
    assert len(secrets.items) == 3
    result = await parley(capsys, "endpoints", "remove", "mine")
    assert result == (
        EXIT_OK,
        "",
        "parley: removed the endpoint Mine and forgot its secrets.\n",
    )
    assert secrets.items == {("parley", "Other/api_key@http://127.0.0.1:1"): "kept"}
    assert saved_endpoints() is None


async def test_list_writes_to_the_streams_it_is_given(capsys: pytest.CaptureFixture[str]) -> None:
    from chat.cli import build_parser
    from chat.cli_endpoints import endpoints

    settings = Settings.load()
    save_endpoint(settings, Endpoint("Mine", "http://127.0.0.1:1/v1", {"X-Team": "blue"}))
    settings.save()
    out, err = io.StringIO(), io.StringIO()
    assert await endpoints(build_parser().parse_args(["endpoints", "list"]), out, err) == EXIT_OK
    assert (out.getvalue(), err.getvalue()) == (
        "Mine\thttp://127.0.0.1:1/v1  headers: X-Team\n",
        "",
    )
    assert capsys.readouterr() == ("", "")


async def test_adding_an_endpoint_again_in_another_case_replaces_it(
    capsys: pytest.CaptureFixture[str],
) -> None:
    await parley(capsys, "endpoints", "add", "Mine", "--base-url", "http://127.0.0.1:1")
    await parley(capsys, "endpoints", "add", "mine", "--base-url", "http://127.0.0.1:2")
    assert saved_endpoints() == {"mine": {"base_url": "http://127.0.0.1:2"}}
