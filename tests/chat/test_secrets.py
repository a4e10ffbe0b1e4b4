"""The secret store against a real Secret Service, and its refusals of unsafe keyrings."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import keyring
import keyring.backends.chainer
import keyring.backends.fail
import keyring.backends.null
import keyring.backends.SecretService
import keyring.errors
import keyrings.alt.file
import pytest
from keyring.compat import properties

from chat.secrets import (
    PROBE_NAME,
    SERVICE,
    KeyringSecretStore,
    MemorySecretStore,
    SecretStoreError,
    checked,
    decode_cookies,
    encode_cookies,
    open_secret_store,
    secret_name,
    unusable_reason,
)

NO_SERVICE = (
    "no unlocked Secret Service on this D-Bus session: run `bash scripts/test-all.sh`, "
    "which starts gnome-keyring in dbus-run-session"
)


def _skip_or_fail(reason: str) -> None:
    """CI must never skip a keyring test silently: there, a missing service is a failure."""
    if os.environ.get("CI"):
        pytest.fail(f"CI is set and {reason}", pytrace=False)
    pytest.skip(reason)


def _secret_service_problem() -> str | None:
    """Why no unlocked Secret Service is reachable here, or None when one is."""
    if not os.environ.get("DBUS_SESSION_BUS_ADDRESS"):
        return "DBUS_SESSION_BUS_ADDRESS is unset"
    try:
        keyring.backends.SecretService.Keyring.priority  # noqa: B018 (raises when unreachable)
        keyring.backends.SecretService.Keyring().get_password(SERVICE, "parley/probe")
    except Exception as error:
        return f"{type(error).__name__}: {error}"
    return None


@pytest.fixture(scope="module")
def _service_problem() -> str | None:
    return _secret_service_problem()


@pytest.fixture(autouse=True)
def _needs_secret_service(request: pytest.FixtureRequest, _service_problem: str | None) -> None:
    if request.node.get_closest_marker("keyring") and _service_problem is not None:
        _skip_or_fail(f"{NO_SERVICE} ({_service_problem})")


@pytest.fixture
def name() -> Iterator[str]:
    """A credential name no other run uses; removed from the keyring afterwards."""
    value = f"Test/token-{uuid.uuid4().hex}@http://127.0.0.1"
    yield value
    if _secret_service_problem() is None:
        with contextlib.suppress(keyring.errors.PasswordDeleteError):
            keyring.backends.SecretService.Keyring().delete_password(SERVICE, value)


def _secret_tool_lookup(username: str) -> str | None:
    result = subprocess.run(
        ["secret-tool", "lookup", "service", SERVICE, "username", username],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    return result.stdout if result.returncode == 0 else None


class RecordingBackend:
    """keyring's real Secret Service backend, noting the thread of every call."""

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


@pytest.mark.keyring
async def test_open_picks_the_secret_service_and_is_persistent() -> None:
    store = await open_secret_store()
    assert isinstance(store, KeyringSecretStore)
    assert store.persistent is True
    assert store.notice == ""
    assert isinstance(store.backend, keyring.backends.SecretService.Keyring)


@pytest.mark.keyring
async def test_round_trip_is_seen_by_secret_tool(name: str) -> None:
    store = await open_secret_store()
    assert await store.get(name) is None
    await store.set(name, "sk-round-trip-1")
    assert await store.get(name) == "sk-round-trip-1"
    assert _secret_tool_lookup(name) == "sk-round-trip-1"
    await store.set(name, "sk-round-trip-2")
    assert _secret_tool_lookup(name) == "sk-round-trip-2"
    await store.delete(name)
    assert await store.get(name) is None
    assert _secret_tool_lookup(name) is None


@pytest.mark.keyring
async def test_a_second_store_reads_what_the_first_wrote(name: str) -> None:
    await (await open_secret_store()).set(name, "kept-across-stores")
    assert await (await open_secret_store()).get(name) == "kept-across-stores"


@pytest.mark.keyring
async def test_deleting_a_missing_item_is_fine(name: str) -> None:
    store = await open_secret_store()
    await store.delete(name)
    assert await store.get(name) is None


@pytest.mark.keyring
async def test_every_keyring_call_runs_off_the_loop_thread(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    backend = RecordingBackend()
    lookups: list[int] = []

    def get_keyring() -> RecordingBackend:
        lookups.append(threading.get_ident())
        return backend

    monkeypatch.setattr(keyring, "get_keyring", get_keyring)
    store = await open_secret_store()
    await store.set(name, "off-thread")
    assert await store.get(name) == "off-thread"
    await store.delete(name)
    loop_thread = threading.get_ident()
    assert len(backend.threads) == 4  # the probe, set, get, delete
    assert loop_thread not in backend.threads
    assert lookups
    assert loop_thread not in lookups


@pytest.mark.keyring
async def test_a_chainer_is_read_off_the_loop_thread_and_its_first_backend_used(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    backend = RecordingBackend()
    lookups: list[int] = []

    def chained(cls: type) -> list[object]:
        lookups.append(threading.get_ident())
        return [backend, keyrings.alt.file.PlaintextKeyring()]

    chainer = keyring.backends.chainer.ChainerBackend
    monkeypatch.setattr(chainer, "backends", properties.classproperty(chained))
    store = await open_secret_store(chainer())
    assert isinstance(store, KeyringSecretStore)
    assert store.backend is backend  # never the plaintext file behind it
    assert lookups
    assert threading.get_ident() not in lookups + backend.threads


@pytest.mark.keyring
async def test_a_secret_never_appears_in_a_log(name: str, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    secret = f"sk-never-logged-{uuid.uuid4().hex}"
    store = await open_secret_store()
    await store.set(name, secret)
    assert await store.get(name) == secret
    await store.delete(name)
    memory = await open_secret_store(keyring.backends.fail.Keyring())
    await memory.set(name, secret)
    assert await memory.get(name) == secret
    assert not [r for r in caplog.records if secret in r.getMessage()]


async def test_no_backend_gives_a_memory_store_that_says_so() -> None:
    store = await open_secret_store(keyring.backends.fail.Keyring())
    assert isinstance(store, MemorySecretStore)
    assert store.persistent is False
    assert "memory for this session only" in store.notice
    assert "no keyring service was found" in store.notice
    await store.set("VoiGpt/access_token", "1")
    assert await store.get("VoiGpt/access_token") == "1"


def _listing(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def _plaintext(path: Path) -> keyrings.alt.file.PlaintextKeyring:
    backend = keyrings.alt.file.PlaintextKeyring()
    backend.file_path = str(path)
    return backend


async def test_a_plaintext_backend_is_refused(tmp_path: Path) -> None:
    backend = _plaintext(tmp_path / "keyring_pass.cfg")
    store = await open_secret_store(backend)
    assert isinstance(store, MemorySecretStore)
    assert "plain file" in store.notice
    await store.set("VoiGpt/access_token", "sk-plain-1")
    assert await store.get("VoiGpt/access_token") == "sk-plain-1"
    assert _listing(tmp_path) == []


async def test_a_chainer_led_by_plaintext_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    plaintext = _plaintext(tmp_path / "keyring_pass.cfg")
    monkeypatch.setattr(
        keyring.backends.chainer.ChainerBackend, "backends", [plaintext], raising=False
    )
    store = await open_secret_store(keyring.backends.chainer.ChainerBackend())
    assert isinstance(store, MemorySecretStore)
    assert "plain file" in store.notice
    await store.set("VoiGpt/access_token", "sk-plain-2")
    assert _listing(tmp_path) == []


def _run_checked(argv: list[str], env: dict[str, str], timeout: float) -> str:
    """Run ``argv``, assert it succeeded, and return its stdout."""
    result = subprocess.run(
        argv, capture_output=True, text=True, timeout=timeout, env=env, check=False
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def _run_isolated(code: str, env: dict[str, str], timeout: float = 60) -> dict[str, object]:
    """Run ``code`` in a fresh Python; its last stdout line is JSON."""
    out = _run_checked([sys.executable, "-c", code], env, timeout)
    return dict(json.loads(out.strip().splitlines()[-1]))


_OPEN_AND_SET = """
import asyncio, json, keyring
from chat.secrets import open_secret_store
async def main():
    store = await open_secret_store()
    await store.set("VoiGpt/access_token", "sk-only-in-memory")
    kept = await store.get("VoiGpt/access_token")
    return {"kind": type(store).__name__, "notice": store.notice, "kept": kept,
            "backend": type(keyring.get_keyring()).__name__}
print(json.dumps(asyncio.run(main())))
"""


def _files_holding(root: Path, text: str) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file() and text.encode() in p.read_bytes()]


def test_plaintext_only_machine_keeps_secrets_in_memory(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "DBUS_SESSION_BUS_ADDRESS"}
    env |= {"XDG_DATA_HOME": str(tmp_path), "HOME": str(tmp_path)}
    report = _run_isolated(_OPEN_AND_SET, env)
    assert report["backend"] == "PlaintextKeyring"  # what keyring alone would have used
    assert report["kind"] == "MemorySecretStore"
    assert "plain file" in str(report["notice"])
    assert report["kept"] == "sk-only-in-memory"
    assert _files_holding(tmp_path, "sk-only-in-memory") == []


def _quoted(*words: object) -> str:
    return " ".join(shlex.quote(str(w)) for w in words)


def _locked_keyring_env(data_home: Path) -> dict[str, str]:
    data_home.mkdir(exist_ok=True)
    runtime = Path(tempfile.mkdtemp(prefix="parley-xdg-run-"))
    runtime.chmod(0o700)
    env = {k: v for k, v in os.environ.items() if k != "DBUS_SESSION_BUS_ADDRESS"}
    return env | {"XDG_DATA_HOME": str(data_home), "XDG_RUNTIME_DIR": str(runtime)}


def _in_dbus_session(shell: str, data_home: Path, timeout: float = 60) -> str:
    """Run ``shell`` in a new D-Bus session with its own XDG dirs; returns its stdout."""
    env = _locked_keyring_env(data_home)
    try:
        return _run_checked(["dbus-run-session", "--", "sh", "-c", shell], env, timeout)
    finally:
        shutil.rmtree(env["XDG_RUNTIME_DIR"], ignore_errors=True)


@pytest.fixture
def gnome_keyring() -> None:
    missing = [t for t in ("dbus-run-session", "gnome-keyring-daemon") if not shutil.which(t)]
    if missing:
        _skip_or_fail(f"{' and '.join(missing)} not installed (apt: gnome-keyring dbus-bin)")


_SET_OLD = "import keyring; keyring.get_keyring().set_password('parley', 'old', 'kept')"
_START = "gnome-keyring-daemon --start --components=secrets >/dev/null"
_UNLOCK = "echo -n pass | gnome-keyring-daemon --unlock --components=secrets >/dev/null"


@pytest.mark.usefixtures("gnome_keyring")
@pytest.mark.parametrize("made_before", [False, True], ids=["no-keyring-yet", "locked-login"])
def test_locked_keyring_gives_a_memory_store(tmp_path: Path, made_before: bool) -> None:
    data = tmp_path / "data"
    if made_before:  # a login keyring with one item, from an earlier unlocked session
        (tmp_path / "old.py").write_text(_SET_OLD)
        _in_dbus_session(f"{_UNLOCK}; exec {_quoted(sys.executable, tmp_path / 'old.py')}", data)
        assert list((data / "keyrings").iterdir())
    (tmp_path / "open.py").write_text(_OPEN_AND_SET)
    out = _in_dbus_session(f"{_START}; exec {_quoted(sys.executable, tmp_path / 'open.py')}", data)
    report = json.loads(out.strip().splitlines()[-1])
    assert report["kind"] == "MemorySecretStore"
    assert "the keyring cannot be used because it" in report["notice"]
    assert "Error:" not in report["notice"]  # no Python class names: our words, their detail
    assert report["kept"] == "sk-only-in-memory"
    assert _files_holding(data, "sk-only-in-memory") == []


async def test_a_refused_call_says_what_to_do_and_never_holds_the_secret() -> None:
    store = KeyringSecretStore(keyring.backends.fail.Keyring())
    with pytest.raises(SecretStoreError) as refused:
        await store.set("Aichat/cookies", "very-secret-value")
    message = str(refused.value)
    assert message.startswith(
        "The keyring refused to store a secret: no keyring service was found. Unlock your "
        "keyring (GNOME Keyring, KWallet) or allow Parley to use it, then try again."
    )
    assert "NoKeyringError" not in message
    assert "very-secret-value" not in message


async def test_memory_store_basics() -> None:
    store = MemorySecretStore(notice="why")
    assert (store.persistent, store.notice) == (False, "why")
    name = "VoiGpt/access_token@https://voigpt.com"
    assert await store.get(name) is None
    await store.set(name, "1")
    await store.set(name, "2")
    assert await store.get(name) == "2"
    await store.delete(name)
    await store.delete(name)
    assert await store.get(name) is None
    assert MemorySecretStore().notice == ""


async def test_memory_stores_share_nothing() -> None:
    first, second = MemorySecretStore(), MemorySecretStore()
    await first.set("VoiGpt/access_token", "1")
    assert await second.get("VoiGpt/access_token") is None
    await asyncio.sleep(0)


def test_secret_name() -> None:
    assert secret_name("VoiGpt", "access_token") == "VoiGpt/access_token"
    assert (
        secret_name("VoiGpt", "access_token", "https://voigpt.com")
        == "VoiGpt/access_token@https://voigpt.com"
    )


def test_cookies_round_trip() -> None:
    cookies = {"b": "2", "a": "x=y; z", "ü": "é"}
    text = encode_cookies(cookies)
    assert text == encode_cookies(dict(reversed(cookies.items())))
    assert decode_cookies(text) == cookies


@pytest.mark.parametrize("text", [None, "", "not json", "[1, 2]", '"a string"', "{"])
def test_decode_cookies_of_bad_text_is_empty(text: str | None) -> None:
    assert decode_cookies(text) == {}


def test_decode_cookies_makes_values_strings() -> None:
    assert decode_cookies('{"n": 1, "b": true}') == {"n": "1", "b": "True"}


@pytest.mark.parametrize(
    "text",
    [
        "[" * 5000,  # json.loads raised RecursionError
        '{"a":' * 5000 + '"1"' + "}" * 5000,
        '{"a": ' + "9" * 5000 + "}",  # over the int digit limit: ValueError
        '{"a": null}',
        '{"a": "1", "b": ["x"]}',
        '{"a": {"b": "c"}}',
    ],
)
def test_decode_cookies_of_an_unreadable_entry_is_empty(text: str) -> None:
    """A keyring entry is outside input: it never raises, and never invents a value."""
    assert decode_cookies(text) == {}


def test_cookies_with_a_nameless_one_round_trip() -> None:
    """``a=1; b`` parses to a cookie with an empty name; the keyring keeps it."""
    cookies = {"a": "1", "": "b", "q": '"x y", z', "t": "a\tb", "u": "\U0001f36a"}
    assert decode_cookies(encode_cookies(cookies)) == cookies


# One contract for every secret store: the in-memory one refuses what the keyring refuses.


@pytest.fixture(params=["memory", pytest.param("keyring", marks=pytest.mark.keyring)])
async def any_store(request: pytest.FixtureRequest) -> KeyringSecretStore | MemorySecretStore:
    if request.param == "memory":
        return MemorySecretStore()
    return KeyringSecretStore(keyring.backends.SecretService.Keyring())


async def test_a_store_keeps_and_forgets_text(
    any_store: KeyringSecretStore | MemorySecretStore, name: str
) -> None:
    assert await any_store.get(name) is None
    await any_store.set(name, "sk-ünïcode ☃ 1")
    assert await any_store.get(name) == "sk-ünïcode ☃ 1"
    await any_store.delete(name)
    await any_store.delete(name)  # forgetting what is not there is no error
    assert await any_store.get(name) is None


@pytest.mark.parametrize("value", [None, b"bytes", 42, {"a": "1"}])
async def test_a_store_refuses_a_secret_that_is_not_text(
    any_store: KeyringSecretStore | MemorySecretStore, name: str, value: object
) -> None:
    with pytest.raises(SecretStoreError, match="only text can be kept"):
        await any_store.set(name, value)  # type: ignore[arg-type]
    assert await any_store.get(name) is None


@pytest.mark.parametrize(
    "bad",
    ["", "x", "no-kind", "Aichat/", "Aichat/cookies jar", " lead/api_key", "VoiGpt/token@", None],
)
async def test_a_store_refuses_a_name_outside_the_scheme(
    any_store: KeyringSecretStore | MemorySecretStore, bad: object
) -> None:
    for call in (any_store.get, any_store.delete):
        with pytest.raises(SecretStoreError, match="outside its naming scheme"):
            await call(bad)  # type: ignore[arg-type]
    with pytest.raises(SecretStoreError, match="outside its naming scheme"):
        await any_store.set(bad, "v")  # type: ignore[arg-type]


def test_every_name_parley_makes_fits_the_scheme() -> None:
    from chat.credentials import proxy_secret_name

    for made in (
        secret_name("VoiGpt", "access_token", "https://voigpt.com"),
        secret_name("Aichat", "cookies", "http://127.0.0.1:8080"),
        secret_name("My vLLM", "api_key", "http://[::1]:8000"),
        proxy_secret_name("http://alice@127.0.0.1:3128"),
        PROBE_NAME,
    ):
        checked(made, "v")


@pytest.mark.parametrize(
    "backend",
    [keyrings.alt.file.EncryptedKeyring, keyrings.alt.file.PlaintextKeyring],
    ids=["encrypted-file", "plaintext-file"],
)
async def test_every_keyrings_alt_file_backend_is_refused(backend: type[Any]) -> None:
    # keyrings.alt's "encrypted" file keeps secrets in a file beside a password typed at a
    # prompt: not the OS keyring. Without the keyrings.alt clause only "plaintext" was caught.
    instance = backend.__new__(backend)  # its __init__ needs pycryptodome; the check reads the type
    assert unusable_reason(instance) is not None
    store = await open_secret_store(instance)
    assert isinstance(store, MemorySecretStore)
    assert "keyrings.alt" in store.notice


# What the window and the error messages say, word for word, for each kind of keyring. The
# backends below stand in for third-party keyring backends: a locked one, and one that works.

_KEEP = "Unlock or install a keyring (GNOME Keyring, KWallet) to keep them."
_TRY_AGAIN = (
    "Unlock your keyring (GNOME Keyring, KWallet) or allow Parley to use it, then try again."
)


class _RefusingBackend:
    """A keyring backend whose every call raises ``error`` (a locked or broken keyring)."""

    def __init__(self, error: Exception) -> None:
        self.error = error
        self.calls: list[tuple[str, str, str]] = []

    def get_password(self, service: str, username: str) -> str | None:
        self.calls.append(("get", service, username))
        raise self.error

    def set_password(self, service: str, username: str, password: str) -> None:
        self.calls.append(("set", service, username))
        raise self.error

    def delete_password(self, service: str, username: str) -> None:
        self.calls.append(("delete", service, username))
        raise self.error


class _DictBackend:
    """A keyring backend that keeps what it is given, and notes every call."""

    def __init__(self) -> None:
        self.items: dict[tuple[str, str], object] = {}
        self.calls: list[tuple[str, str, str]] = []

    def get_password(self, service: str, username: str) -> str | None:
        self.calls.append(("get", service, username))
        return self.items.get((service, username))  # type: ignore[return-value]

    def set_password(self, service: str, username: str, password: str) -> None:
        self.calls.append(("set", service, username))
        self.items[service, username] = password

    def delete_password(self, service: str, username: str) -> None:
        self.calls.append(("delete", service, username))
        self.items.pop((service, username))


class SharedPlaintextKeyring(_DictBackend):
    """A third-party backend that says in its name that it writes a plain file."""


async def test_opening_a_working_keyring_only_reads_the_probe() -> None:
    backend = _DictBackend()
    store = await open_secret_store(backend)
    assert isinstance(store, KeyringSecretStore)
    assert store.backend is backend
    assert backend.calls == [("get", "parley", "parley/probe")]
    await store.set("VoiGpt/access_token", "sk-1")
    assert backend.items == {("parley", "VoiGpt/access_token"): "sk-1"}


async def test_a_secret_the_keyring_hands_back_as_anything_but_text_is_none() -> None:
    backend = _DictBackend()
    backend.items["parley", "VoiGpt/access_token"] = b"sk-bytes"
    backend.items["parley", "VoiGpt/api_key"] = "sk-text"
    store = KeyringSecretStore(backend)
    assert await store.get("VoiGpt/access_token") is None
    assert await store.get("VoiGpt/api_key") == "sk-text"


@pytest.mark.parametrize(
    ("error", "notice"),
    [
        (
            keyring.errors.KeyringLocked(),
            "the keyring cannot be used because it is locked. " + _KEEP,
        ),
        (
            keyring.errors.KeyringLocked("Collection is locked. (Unlock it in Seahorse.)"),
            "the keyring cannot be used because it is locked. "
            + _KEEP
            + " (The keyring said: Collection is locked. (Unlock it in Seahorse.))",
        ),
        (
            keyring.errors.InitError("Failed to create\n   the collection:\tPrompt dismissed"),
            "the keyring cannot be used because it could not be opened. "
            + _KEEP
            + " (The keyring said: Failed to create the collection: Prompt dismissed)",
        ),
        (
            RuntimeError("D-Bus " * 50),
            "the keyring cannot be used because it reported an error. "
            + _KEEP
            + " (The keyring said: "
            + ("D-Bus " * 34)[:200]
            + ")",
        ),
    ],
)
async def test_a_keyring_that_fails_its_probe_gives_a_memory_store_saying_why(
    error: Exception, notice: str
) -> None:
    backend = _RefusingBackend(error)
    store = await open_secret_store(backend)
    assert isinstance(store, MemorySecretStore)
    assert store.notice == "Secrets are kept in memory for this session only: " + notice
    assert backend.calls == [("get", "parley", "parley/probe")]


def _no_backends(cls: type) -> list[object]:
    return []


@pytest.mark.parametrize(
    ("backend", "why"),
    [
        (keyring.backends.fail.Keyring(), "no keyring service was found"),
        (keyring.backends.null.Keyring(), "no keyring service was found"),
        (
            keyrings.alt.file.PlaintextKeyring(),
            "the only keyring backend (keyrings.alt.file.PlaintextKeyring) writes secrets to a "
            "plain file",
        ),
        (
            SharedPlaintextKeyring(),
            "the only keyring backend (tests.chat.test_secrets.SharedPlaintextKeyring) writes "
            "secrets to a plain file",
        ),
    ],
    ids=["fail", "null", "keyrings.alt", "plaintext-named"],
)
async def test_a_keyring_that_would_lose_or_expose_secrets_is_never_used(
    backend: object, why: str
) -> None:
    assert unusable_reason(backend) == why
    store = await open_secret_store(backend)  # type: ignore[arg-type]
    assert isinstance(store, MemorySecretStore)
    assert store.notice == f"Secrets are kept in memory for this session only: {why}. {_KEEP}"
    if isinstance(backend, _DictBackend):
        assert backend.calls == []  # refused by its name: never touched


async def test_a_chainer_with_no_backends_gives_a_memory_store(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    chainer = keyring.backends.chainer.ChainerBackend
    monkeypatch.setattr(chainer, "backends", properties.classproperty(_no_backends))
    assert unusable_reason(chainer()) == "no keyring service was found"
    store = await open_secret_store(chainer())
    assert isinstance(store, MemorySecretStore)
    assert store.notice == (
        f"Secrets are kept in memory for this session only: no keyring service was found. {_KEEP}"
    )


@pytest.mark.parametrize(
    ("error", "why", "said"),
    [
        (keyring.errors.KeyringLocked(), "it is locked", ""),
        (
            keyring.errors.PasswordSetError("Prompt\n dismissed"),
            "it did not accept the secret",
            " (The keyring said: Prompt dismissed)",
        ),
        (
            ConnectionError("x" * 300),
            "it reported an error",
            " (The keyring said: " + "x" * 200 + ")",
        ),
    ],
)
async def test_a_refused_call_says_what_was_refused_and_why(
    error: Exception, why: str, said: str
) -> None:
    store = KeyringSecretStore(_RefusingBackend(error))
    calls = [
        ("read a secret", store.get("VoiGpt/api_key")),
        ("store a secret", store.set("VoiGpt/api_key", "sk-1")),
        ("delete a secret", store.delete("VoiGpt/api_key")),
    ]
    for verb, call in calls:
        with pytest.raises(SecretStoreError) as refused:
            await call
        assert str(refused.value) == f"The keyring refused to {verb}: {why}. {_TRY_AGAIN}{said}"
        assert refused.value.__cause__ is error


async def test_a_real_file_backend_that_fails_reports_an_error_in_its_words(
    tmp_path: Path,
) -> None:
    backend = _plaintext(tmp_path)  # the file it would write is a folder
    with pytest.raises(SecretStoreError) as refused:
        await KeyringSecretStore(backend).set("VoiGpt/api_key", "sk-1")
    assert str(refused.value) == (
        f"The keyring refused to store a secret: it reported an error. {_TRY_AGAIN} "
        f"(The keyring said: [Errno 21] Is a directory: '{tmp_path}')"
    )
    assert _listing(tmp_path) == []


async def test_a_name_or_a_value_outside_the_scheme_is_refused_in_words() -> None:
    store = MemorySecretStore()
    with pytest.raises(SecretStoreError) as refused:
        await store.get("no kind")
    assert str(refused.value) == (
        "Parley asked for a secret under the name 'no kind', which is outside its naming "
        "scheme; nothing was read or stored. Please report this."
    )
    with pytest.raises(SecretStoreError) as refused:
        await store.delete("x" * 100)
    assert str(refused.value).startswith(f"Parley asked for a secret under the name '{'x' * 80}',")
    with pytest.raises(SecretStoreError) as refused:
        await store.set("VoiGpt/api_key", b"sk-1")  # type: ignore[arg-type]
    assert str(refused.value) == (
        "Parley tried to store a bytes as the secret VoiGpt/api_key; only text can be kept, so "
        "nothing was stored. Please report this."
    )
    checked("VoiGpt/api_key")  # a name alone: nothing to store, nothing refused


async def test_a_memory_store_lists_the_names_it_holds_sorted() -> None:
    store = MemorySecretStore()
    assert store.names() == []
    for name in ("VoiGpt/api_key", "Aichat/cookies@http://127.0.0.1:8080", "Claude/api_key"):
        await store.set(name, "v")
    await store.delete("Claude/api_key")
    assert store.names() == ["Aichat/cookies@http://127.0.0.1:8080", "VoiGpt/api_key"]
