"""Forget all secrets: every item of Parley's leaves the real Secret Service, and another
program's items stay as they were."""

from __future__ import annotations

import asyncio
import io
import subprocess
import threading
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import keyring.backends.SecretService
import pytest
import secretstorage

from chat.cli import EXIT_FAILED, EXIT_OK, EXIT_USAGE, main
from chat.secrets import (
    SERVICE,
    DeferredSecretStore,
    KeyringSecretStore,
    MemorySecretStore,
    SecretStoreError,
    _listed_names,
    open_secret_store,
)
from chat.stored_names import StoredNames
from tests.support.secret_service import secret_service  # noqa: F401 (a fixture)

from .test_cli import PARLEY, parley

pytestmark = [pytest.mark.keyring, pytest.mark.usefixtures("secret_service")]

FOREIGN = {
    "another keyring user": (
        {"application": "Python keyring library", "service": "mail.example", "username": "ann"},
        b"ann's mail password",
    ),
    "a program of its own schema": (
        {"xdg:schema": "org.example.Notes", "account": "parley", "service": "parley-notes"},
        b"notes token",
    ),
}
"""Items of other programs, by label: their attributes and secret."""

OURS = {
    "OpenAI/api_key@https://api.openai.com": "sk-openai",
    "Aichat/cookies@https://chat-gpt.org": '{"sid":"c"}',
    "proxy/password@http://alice@127.0.0.1:3128": "proxy-pw",
}


Made = dict[str, tuple[str, dict[str, str]]]
"""Each foreign item by label: its D-Bus path and its attributes as the service keeps them."""


@pytest.fixture
def foreign() -> Iterator[Made]:
    """Other programs' items in the collection Parley uses, removed afterwards."""
    connection = secretstorage.dbus_init()
    with closing(connection):
        collection = secretstorage.get_default_collection(connection)
        items = {
            label: collection.create_item(label, attributes, secret)
            for label, (attributes, secret) in FOREIGN.items()
        }
        yield {label: (item.item_path, item.get_attributes()) for label, item in items.items()}
        for item in items.values():
            item.delete()


def plain(attributes: dict[str, str]) -> dict[str, str]:
    """The attributes but the generic schema, which gnome-keyring may add later to an item
    made without one (seen once another process had used the collection): its doing."""
    generic = attributes.get("xdg:schema") == "org.freedesktop.Secret.Generic"
    return {k: v for k, v in attributes.items() if not (generic and k == "xdg:schema")}


def still_there(made: Made) -> None:
    """Each foreign item is as it was made: path, label, attributes and secret."""
    connection = secretstorage.dbus_init()
    with closing(connection):
        collection = secretstorage.get_default_collection(connection)
        for label, (attributes, secret) in FOREIGN.items():
            (found,) = list(collection.search_items(attributes))
            path, kept = made[label]
            assert (found.item_path, found.get_label()) == (path, label)
            assert plain(found.get_attributes()) == plain(kept)
            assert found.get_secret() == secret


def parleys_items() -> list[str]:
    return sorted(_listed_names(keyring.backends.SecretService.Keyring(), SERVICE) or ())


async def test_forget_all_removes_every_parley_item_and_no_other_programs(
    foreign: Made, tmp_path: Path
) -> None:
    names = StoredNames(tmp_path / "stored-secrets.json")
    store = await open_secret_store(names=names)
    for name, value in OURS.items():
        await store.set(name, value)
    # One the file does not know (stored by another Parley, or before the file was kept):
    keyring.backends.SecretService.Keyring().set_password(SERVICE, "Gemini/api_key", "g")
    assert parleys_items() == sorted([*OURS, "Gemini/api_key"])
    assert await store.forget_all() == 4
    assert parleys_items() == []
    assert names.read() == frozenset()  # the file knows that nothing is kept
    for name in OURS:
        assert await store.get(name) is None
    still_there(foreign)
    assert await store.forget_all() == 0


class ListlessBackend:
    """The real Secret Service seen through a backend that cannot list its items (as macOS's
    and Windows' cannot); every call's thread noted."""

    def __init__(self) -> None:
        self.real = keyring.backends.SecretService.Keyring()
        self.threads: list[int] = []

    def get_password(self, service: str, username: str) -> str | None:
        self.threads.append(threading.get_ident())
        return self.real.get_password(service, username)

    def set_password(self, service: str, username: str, password: str) -> None:
        self.threads.append(threading.get_ident())
        self.real.set_password(service, username, password)

    def delete_password(self, service: str, username: str) -> None:
        self.threads.append(threading.get_ident())
        self.real.delete_password(service, username)


async def test_a_keyring_that_cannot_list_forgets_the_names_parley_wrote_down(
    foreign: Made, tmp_path: Path
) -> None:
    names = StoredNames(tmp_path / "stored-secrets.json")
    names.replace([])  # as taken at an earlier opening
    backend = ListlessBackend()
    store = KeyringSecretStore(backend, names=names)
    for name, value in OURS.items():
        await store.set(name, value)
    assert await store.forget_all() == len(OURS)
    assert parleys_items() == []
    assert names.read() == frozenset()
    assert backend.threads
    assert threading.get_ident() not in backend.threads  # off the loop's thread, every call
    still_there(foreign)


async def test_with_no_list_from_the_keyring_or_the_file_nothing_is_removed_and_said_why(
    tmp_path: Path,
) -> None:
    store = KeyringSecretStore(ListlessBackend(), names=StoredNames(tmp_path / "none.json"))
    await store.set("OpenAI/api_key@https://api.openai.com", "sk-kept")
    with pytest.raises(SecretStoreError) as caught:
        await store.forget_all()
    assert str(caught.value).startswith(
        "This keyring cannot list its items and Parley's list of them is not known, so "
        "nothing was removed. Remove the items of the service “parley” in your keyring's own app"
    )
    assert parleys_items() == ["OpenAI/api_key@https://api.openai.com"]


async def test_the_memory_store_and_a_deferred_one_forget_all_too(tmp_path: Path) -> None:
    memory = MemorySecretStore()
    for name, value in OURS.items():
        await memory.set(name, value)
    assert await memory.forget_all() == len(OURS)
    assert memory.names() == []
    names = StoredNames(tmp_path / "stored-secrets.json")
    await (await open_secret_store(names=names)).set("Groq/api_key", "gsk")
    deferred = DeferredSecretStore(lambda: open_secret_store(names=names), names)
    assert await deferred.forget_all() == 1  # opened for it: the file is only a hint
    assert deferred.opened is not None
    assert parleys_items() == []


# --- parley keys forget-all --------------------------------------------------------------


async def test_forget_all_needs_yes_when_stdin_is_not_a_terminal(
    foreign: Made,
) -> None:
    code, _, err = await parley("keys", "set", "OpenAI", "api_key", stdin=b"sk-1")
    assert code == 0, err
    code, out, err = await parley("keys", "forget-all", stdin=b"yes\n")
    assert (code, out) == (EXIT_USAGE, "")
    assert err == (
        "parley: This removes every secret Parley keeps in the keyring: the API keys, tokens, "
        "cookies, secret headers and proxy passwords of every provider (other programs' items "
        "stay). Standard input is not a terminal to confirm it on: run `parley keys forget-all "
        "--yes` to go ahead.\n"
    )
    assert parleys_items() == ["OpenAI/api_key@https://api.openai.com"]
    code, out, err = await parley("keys", "forget-all", "--yes")
    assert (code, out, err) == (
        EXIT_OK,
        "",
        "parley: removed 1 secret from the keyring; Parley keeps none now.\n",
    )
    assert parleys_items() == []
    code, out, _ = await parley("keys", "list")
    assert (code, out) == (EXIT_OK, "")
    still_there(foreign)


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize(("typed", "code"), [("yes\n", EXIT_OK), ("no\n", EXIT_FAILED)])
async def test_on_a_terminal_forget_all_asks_first(
    typed: str, code: int, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    store = await open_secret_store()
    for name, value in OURS.items():
        await store.set(name, value)
    monkeypatch.setattr("sys.stdin", Terminal(typed))
    assert await asyncio.to_thread(main, ["keys", "forget-all"]) == code
    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith("This removes every secret Parley keeps in the keyring")
    assert "\nType yes to remove them: " in err
    if code == EXIT_OK:
        assert err.endswith("parley: removed 3 secrets from the keyring; Parley keeps none now.\n")
        assert parleys_items() == []
    else:
        assert err.endswith("parley: nothing was removed.\n")
        assert parleys_items() == sorted(OURS)


def test_secret_tool_sees_the_foreign_items_after_forget_all(
    foreign: Made,
) -> None:
    """Another program reads its item back after ``parley keys forget-all --yes``."""
    done = subprocess.run(
        [str(PARLEY), "keys", "forget-all", "--yes"],
        capture_output=True,
        text=True,
        check=False,
        timeout=30,
    )
    assert done.returncode == 0, done.stderr
    found = subprocess.run(
        ["secret-tool", "lookup", "service", "mail.example", "username", "ann"],
        capture_output=True,
        check=False,
        timeout=30,
    )
    assert found.stdout == b"ann's mail password"
