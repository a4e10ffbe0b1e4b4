"""The names of the secrets kept (never their values), and the secret store that opens the
keyring only when a secret may be there: a hint that is never the only truth."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import keyring.backends.SecretService
import keyring.errors
import pytest
from hypothesis import given
from hypothesis import strategies as st

from chat.paths import config_dir
from chat.secrets import (
    SERVICE,
    DeferredSecretStore,
    KeyringSecretStore,
    MemorySecretStore,
    SecretStore,
    SecretStoreError,
    open_secret_store,
)
from chat.stored_names import FILE_NAME, MAX_BYTES, StoredNames, default_path
from tests.chat.test_secrets import NO_SERVICE, _secret_service_problem, _skip_or_fail
from tests.support.fuzz import only_raises

KEY = "Anthropic/api_key@https://api.anthropic.com"
OTHER = "OpenAI/api_key@https://api.openai.com"


@pytest.fixture
def names(tmp_path: Path) -> StoredNames:
    return StoredNames(tmp_path / FILE_NAME)


def test_the_file_lives_beside_the_settings() -> None:
    assert default_path() == config_dir() / "stored-secrets.json"
    assert StoredNames().path == default_path()


def test_with_no_file_nothing_is_known(names: StoredNames) -> None:
    assert names.read() is None
    assert not names.surely_absent(KEY)


def test_the_keyrings_list_makes_the_names_known(names: StoredNames) -> None:
    names.replace([KEY, KEY])
    assert names.read() == frozenset({KEY})
    assert (names.surely_absent(KEY), names.surely_absent(OTHER)) == (False, True)
    assert json.loads(names.path.read_text(encoding="utf-8")) == {
        "version": 1,
        "complete": True,
        "names": [KEY],
    }


def test_what_the_keyring_says_of_one_name_keeps_a_known_list_up_to_date(
    names: StoredNames,
) -> None:
    names.replace([KEY])
    names.note(OTHER, True)
    assert names.read() == frozenset({KEY, OTHER})
    names.note(KEY, False)
    assert names.read() == frozenset({OTHER})
    names.note(KEY, False)  # already absent: nothing to change
    assert names.read() == frozenset({OTHER})


def test_one_name_does_not_make_an_unknown_list_known(names: StoredNames) -> None:
    names.note(KEY, True)
    assert not names.path.exists()
    assert not names.surely_absent(OTHER)


def test_an_unchanged_list_is_not_written_again(names: StoredNames) -> None:
    names.replace([KEY])
    os.utime(names.path, (0, 0))
    names.note(KEY, True)
    assert names.path.stat().st_mtime == 0


@pytest.mark.parametrize(
    "text",
    [
        '{"version": 1, "complete": false, "names": []}',  # not taken from the keyring
        '{"version": 2, "complete": true, "names": []}',  # a later Parley's file
        '{"version": 1, "complete": true, "names": "Anthropic/api_key"}',
        '{"version": 1, "complete": true, "names": [1]}',
        '{"version": 1, "complete": 1, "names": []}',
        '{"version": 1, "names": []}',
        "[]",
        "{",
        "\xff",
    ],
)
def test_a_damaged_file_reads_as_not_known(names: StoredNames, text: str) -> None:
    names.path.write_text(text, encoding="latin-1")
    assert names.read() is None
    assert not names.surely_absent(KEY)


def test_a_file_longer_than_parley_writes_reads_as_not_known(names: StoredNames) -> None:
    listed = json.dumps({"version": 1, "complete": True, "names": []})
    names.path.write_text(listed + " " * (MAX_BYTES - len(listed)), encoding="utf-8")
    assert names.read() == frozenset()
    names.path.write_text(listed + " " * (MAX_BYTES + 1 - len(listed)), encoding="utf-8")
    assert names.read() is None


@pytest.mark.fuzz
@given(raw=st.binary(max_size=400))
def test_any_bytes_read_as_names_or_not_known(
    tmp_path_factory: pytest.TempPathFactory, raw: bytes
) -> None:
    names = StoredNames(tmp_path_factory.mktemp("fuzz") / FILE_NAME)
    names.path.write_bytes(raw)
    read = only_raises(names.read)
    assert read is None or (isinstance(read, frozenset) and all(isinstance(n, str) for n in read))


def test_a_list_that_cannot_be_written_costs_nothing_but_the_hint(tmp_path: Path) -> None:
    (tmp_path / "config").write_text("a file where the folder should be", encoding="utf-8")
    names = StoredNames(tmp_path / "config" / FILE_NAME)
    names.replace([KEY])  # no error: the keyring is simply opened next time
    assert names.read() is None
    assert sorted(p.name for p in tmp_path.iterdir()) == ["config"]


def test_a_written_list_replaces_the_old_one_whole(names: StoredNames) -> None:
    names.replace([KEY])
    names.replace([OTHER])
    assert names.read() == frozenset({OTHER})
    assert sorted(p.name for p in names.path.parent.iterdir()) == [FILE_NAME]  # no temp left


class Opener:
    """Opens a memory store, counting the openings; ``fail`` makes the next one raise."""

    def __init__(self, notice: str = "") -> None:
        self.store = MemorySecretStore(notice=notice)
        self.openings = 0
        self.fail = False

    async def __call__(self) -> SecretStore:
        self.openings += 1
        await asyncio.sleep(0)  # a real opening goes to a worker thread
        if self.fail:
            self.fail = False
            raise SecretStoreError("The keyring refused to open: it is locked.")
        return self.store


async def test_a_secret_surely_not_kept_is_not_asked_for(names: StoredNames) -> None:
    names.replace([KEY])
    opener = Opener()
    store = DeferredSecretStore(opener, names)
    assert await store.get(OTHER) is None
    await store.delete(OTHER)
    assert (opener.openings, store.opened) == (0, None)
    assert (store.persistent, store.notice) == (True, "")


async def test_a_secret_that_may_be_kept_opens_the_store_once(names: StoredNames) -> None:
    names.replace([KEY])
    opener = Opener(notice="Secrets are kept in memory for this session only.")
    await opener.store.set(KEY, "sk-1")
    opened: list[SecretStore] = []
    store = DeferredSecretStore(opener, names, on_open=opened.append)
    assert await asyncio.gather(store.get(KEY), store.get(KEY)) == ["sk-1", "sk-1"]
    assert (opener.openings, opened, store.opened) == (1, [opener.store], opener.store)
    assert (store.persistent, store.notice) == (
        False,
        "Secrets are kept in memory for this session only.",
    )


async def test_once_open_every_read_goes_to_the_store(names: StoredNames) -> None:
    names.replace([])
    opener = Opener()
    store = DeferredSecretStore(opener, names)
    await store.set(KEY, "sk-2")  # a write opens the store: the list cannot know it
    assert await store.get(KEY) == "sk-2"
    await store.delete(KEY)
    assert await store.get(KEY) is None
    assert opener.openings == 1


async def test_with_no_list_the_store_opens_at_the_first_read(names: StoredNames) -> None:
    opener = Opener()
    store = DeferredSecretStore(opener, names)
    assert await store.get(KEY) is None
    assert opener.openings == 1


async def test_the_list_is_read_again_at_each_read_before_the_store_opens(
    names: StoredNames,
) -> None:
    names.replace([])
    opener = Opener()
    await opener.store.set(KEY, "sk-3")
    store = DeferredSecretStore(opener, names)
    assert await store.get(KEY) is None
    names.note(KEY, True)  # `parley keys set` in another process, while the window runs
    assert await store.get(KEY) == "sk-3"


async def test_an_opening_that_failed_is_tried_again(names: StoredNames) -> None:
    opener = Opener()
    opener.fail = True
    store = DeferredSecretStore(opener, names)
    with pytest.raises(SecretStoreError, match="it is locked"):
        await store.get(KEY)
    assert store.opened is None
    assert await store.get(KEY) is None
    assert (opener.openings, store.opened) == (2, opener.store)


async def test_a_name_outside_the_scheme_is_refused_before_anything_opens(
    names: StoredNames,
) -> None:
    opener = Opener()
    store = DeferredSecretStore(opener, names)
    for call in (store.get("no-kind"), store.set("no-kind", "v"), store.delete("no-kind")):
        with pytest.raises(SecretStoreError, match="outside its naming scheme"):
            await call
    with pytest.raises(SecretStoreError, match="only text"):
        await store.set(KEY, None)  # type: ignore[arg-type]
    assert opener.openings == 0


# The real Secret Service (gnome-keyring in dbus-run-session, as scripts/test-all.sh starts it).


@pytest.fixture
def secret_service() -> None:
    if (problem := _secret_service_problem()) is not None:
        _skip_or_fail(f"{NO_SERVICE} ({problem})")


@pytest.fixture
def name(secret_service: None) -> Iterator[str]:
    """A credential name no other run uses; removed from the keyring afterwards."""
    value = f"Test/token-{uuid.uuid4().hex}@http://127.0.0.1"
    yield value
    with contextlib.suppress(keyring.errors.PasswordDeleteError):
        keyring.backends.SecretService.Keyring().delete_password(SERVICE, value)


@pytest.mark.keyring
async def test_opening_the_keyring_takes_its_list_of_parleys_names(
    names: StoredNames, name: str
) -> None:
    keyring.backends.SecretService.Keyring().set_password(SERVICE, name, "stored-by-hand")
    keyring.backends.SecretService.Keyring().set_password("not-parley", name, "other app")
    try:
        store = await open_secret_store(names=names)
        assert isinstance(store, KeyringSecretStore)
        listed = names.read()
        assert listed is not None
        assert name in listed
        assert all("/" in n for n in listed)  # Parley's names only, the probe never kept
    finally:
        keyring.backends.SecretService.Keyring().delete_password("not-parley", name)


@pytest.mark.keyring
async def test_the_keyring_keeps_the_list_up_to_date(names: StoredNames, name: str) -> None:
    store = await open_secret_store(names=names)
    assert names.surely_absent(name)
    await store.set(name, "sk-4")
    assert not names.surely_absent(name)
    keyring.backends.SecretService.Keyring().delete_password(SERVICE, name)  # by hand
    assert await store.get(name) is None
    assert names.surely_absent(name)
    await store.set(name, "sk-5")
    await store.delete(name)
    assert names.surely_absent(name)


@pytest.mark.keyring
async def test_a_start_with_nothing_stored_leaves_the_keyring_closed(
    names: StoredNames, name: str
) -> None:
    await open_secret_store(names=names)  # an earlier start took the list
    openings: list[SecretStore] = []

    async def opener() -> SecretStore:
        store = await open_secret_store(names=names)
        openings.append(store)
        return store

    store = DeferredSecretStore(opener, names)
    assert await store.get(name) is None
    assert openings == []
    await store.set(name, "sk-6")
    assert len(openings) == 1
    assert await DeferredSecretStore(opener, names).get(name) == "sk-6"  # the next start
    assert len(openings) == 2
