"""The settings file as people and editors leave it: no value, encoding or file type loses
a setting, stops Parley from starting, or hangs it."""

from __future__ import annotations

import ctypes
import json
import os
import re
import shutil
import struct
import tempfile
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chat.settings import GLOBAL, PER_PROVIDER, Settings
from chat.settings_file import MAX_BYTES, FileContents, parse, read_file, write_file
from tests.support.fuzz import ends_within, only_raises

GOOD = {"settings": {"connect_timeout": 5}, "providers": {"VoiGpt": {"model": "gpt-4"}}}


def _write_json(path: Path, data: Any) -> Path:
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def _kept_the_good_ones(settings: Settings) -> None:
    assert settings.get("connect_timeout") == 5.0
    assert settings.provider("VoiGpt", "model") == "gpt-4"


def test_a_310_digit_number_is_one_refused_value_not_a_crash(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    path.write_text('{"settings": {"idle_timeout": 1' + "0" * 309 + ', "connect_timeout": 5}}')
    settings = Settings.load(path)
    assert settings.get("idle_timeout") == GLOBAL["idle_timeout"].default
    assert settings.get("connect_timeout") == 5.0
    assert "idle_timeout" in settings.problem
    assert "above 0 and at most 3600" in settings.problem


def test_a_5000_digit_number_is_refused_too(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    path.write_text('{"settings": {"idle_timeout": ' + "9" * 5000 + ', "connect_timeout": 5}}')
    settings = Settings.load(path)
    assert settings.get("connect_timeout") == 5.0
    assert "idle_timeout" in settings.problem


def test_json_nested_5000_deep_is_set_aside_not_a_crash(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    path.write_text('{"settings": ' + "[" * 5000 + "]" * 5000 + "}")
    settings = Settings.load(path)
    assert "nested too deeply" in settings.problem
    assert (tmp_path / "settings.json.damaged").exists()


@pytest.mark.parametrize(
    ("bad", "named"),
    [
        ({"settings": {"proxy": "http://[::1"}}, "proxy"),
        ({"settings": {"proxy": "http://h:port"}}, "proxy"),
        ({"providers": {"ChatGpt": {"base_url": "http://[::1"}}}, "ChatGpt.base_url"),
        ({"providers": {"ChatGpt": {"base_url": "ftp://mirror.example"}}}, "ChatGpt.base_url"),
        ({"providers": {"ChatGpt": {"base_url": "http://a b.example"}}}, "ChatGpt.base_url"),
        ({"providers": {"ChatGpt": {"base_url": "http://a..b"}}}, "host name is not valid"),
        ({"settings": {"idle_timeout": "abc"}}, "idle_timeout: 'abc' is not a number"),
        ({"settings": {"idle_timeout": None}}, "idle_timeout takes a number, not null"),
        ({"settings": {"provider": ["x"]}}, 'provider takes a text, not ["x"]'),
        ({"providers": {"Aichat": 5}}, "provider “Aichat” is not an object"),
        ({"providers": {"Aichat": None}}, "provider “Aichat” is not an object"),
    ],
)
def test_one_bad_entry_is_dropped_and_named_the_rest_is_kept(
    tmp_path: Path, bad: dict[str, Any], named: str
) -> None:
    data = {
        "settings": {**GOOD["settings"], **bad.get("settings", {})},
        "providers": {**GOOD["providers"], **bad.get("providers", {})},
    }
    settings = Settings.load(_write_json(tmp_path / "settings.json", data))
    _kept_the_good_ones(settings)
    assert named in settings.problem
    assert "ignored" in settings.problem
    assert not (tmp_path / "settings.json.damaged").exists()


@pytest.mark.parametrize("section", ["settings", "providers"])
def test_a_null_section_drops_only_that_section(tmp_path: Path, section: str) -> None:
    data = {**GOOD, section: None}
    settings = Settings.load(_write_json(tmp_path / "settings.json", data))
    other = "providers" if section == "settings" else "settings"
    if other == "providers":
        assert settings.provider("VoiGpt", "model") == "gpt-4"
    else:
        assert settings.get("connect_timeout") == 5.0
    assert f"“{section}” is not an object" in settings.problem
    assert not (tmp_path / "settings.json.damaged").exists()


@pytest.mark.parametrize(
    "encoding",
    ["utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-32-le", "utf-32-be"],
)
def test_files_in_the_encodings_editors_write_are_read(tmp_path: Path, encoding: str) -> None:
    path = tmp_path / "settings.json"
    path.write_bytes(
        json.dumps({**GOOD, "settings": {"proxy": "http://прокси.example:3128"}}).encode(encoding)
    )
    settings = Settings.load(path)
    assert settings.problem == ""
    assert settings.get("proxy") == "http://прокси.example:3128"


def test_a_file_that_is_not_text_is_set_aside(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    path.write_bytes(b'{"settings": {"proxy": "\xff\xfe\xfa"}}')
    settings = Settings.load(path)
    assert "not text in UTF-8" in settings.problem
    assert (tmp_path / "settings.json.damaged").read_bytes().startswith(b'{"settings"')


def test_a_file_too_large_to_be_settings_is_set_aside(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    path.write_text('{"x": "' + "a" * (2 << 20) + '"}')
    settings = Settings.load(path)
    assert "larger than" in settings.problem
    assert (tmp_path / "settings.json.damaged").exists()


def test_names_this_version_does_not_know_are_written_back(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    data = {
        "settings": {"theme": "dark", "idle_timeout": "abc"},
        "providers": {"VoiGpt": {"future": [1, 2]}},
        "window": {"width": 900},
    }
    settings = Settings.load(_write_json(path, data))
    settings.set("provider", "VoiGpt")
    settings.save()
    saved = json.loads(path.read_text(encoding="utf-8"))
    assert saved["settings"] == {"theme": "dark", "idle_timeout": "abc", "provider": "VoiGpt"}
    assert saved["providers"] == {"VoiGpt": {"future": [1, 2]}}
    assert saved["window"] == {"width": 900}
    settings.set("idle_timeout", 30)  # a new value replaces the refused one
    settings.save()
    assert json.loads(path.read_text(encoding="utf-8"))["settings"]["idle_timeout"] == 30.0


def test_a_fifo_in_its_place_does_not_block_and_is_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    os.mkfifo(path)
    with ends_within(5):
        settings = Settings.load(path)
    assert "is a named pipe, not a file" in settings.problem
    settings.set("provider", "VoiGpt")
    settings.save()
    assert path.is_fifo()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["settings.json"]


def test_a_folder_in_its_place_is_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    path.mkdir()
    settings = Settings.load(path)
    assert "is a folder, not a file" in settings.problem
    settings.save()
    assert path.is_dir()


def test_saving_through_a_symlink_keeps_the_link(tmp_path: Path) -> None:
    dotfiles = tmp_path / "dotfiles"
    dotfiles.mkdir()
    _write_json(dotfiles / "parley.json", GOOD)
    config = tmp_path / "config"
    config.mkdir()
    link = config / "settings.json"
    link.symlink_to(dotfiles / "parley.json")
    settings = Settings.load(link)
    _kept_the_good_ones(settings)
    settings.set("provider", "ChatGpt")
    settings.save()
    assert link.is_symlink()
    assert json.loads((dotfiles / "parley.json").read_text())["settings"]["provider"] == "ChatGpt"
    assert sorted(p.name for p in dotfiles.iterdir()) == ["parley.json"]
    assert sorted(p.name for p in config.iterdir()) == ["settings.json"]


def test_a_damaged_file_never_replaces_an_earlier_damaged_copy(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    (tmp_path / "settings.json.damaged").mkdir()  # the name is taken, by a folder even
    path.write_text("{first")
    Settings.load(path)
    path.write_text("{second")
    settings = Settings.load(path)
    assert "settings.json.damaged-3" in settings.problem
    assert (tmp_path / "settings.json.damaged-2").read_text() == "{first"
    assert (tmp_path / "settings.json.damaged-3").read_text() == "{second"
    settings.set("provider", "VoiGpt")
    settings.save()
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == [
        "settings.json",
        "settings.json.damaged",
        "settings.json.damaged-2",
        "settings.json.damaged-3",
    ]


def test_a_failed_write_leaves_no_temporary_file(tmp_path: Path) -> None:
    target = tmp_path / "settings.json"
    target.mkdir()  # os.replace onto a folder fails
    with pytest.raises(OSError):  # noqa: PT011 - whichever OSError the system gives
        write_file(target, {"settings": {}})
    assert sorted(p.name for p in tmp_path.iterdir()) == ["settings.json"]
    assert list(target.iterdir()) == []


def _load_and_save_as(uid: int, path: Path) -> str:
    """``Settings.load(path)`` then a save, in a forked child running as ``uid`` (root reads
    every file, so a permission test needs another user); the problem the load reported."""
    reader, writer = os.pipe()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # 3.12: fork with threads running
        child = os.fork()
    if child == 0:  # pragma: no cover - the child reports through the pipe
        code = 1
        try:
            os.setgid(uid)
            os.setuid(uid)
            settings = Settings.load(path)
            settings.set("provider", "VoiGpt")
            settings.save()
            os.write(writer, settings.problem.encode())
            code = 0
        finally:
            os._exit(code)
    os.close(writer)
    with os.fdopen(reader, "rb") as pipe:
        problem = pipe.read().decode()
    assert os.waitpid(child, 0)[1] == 0
    return problem


def test_an_unreadable_file_is_reported_and_never_renamed_or_overwritten() -> None:
    # The folder must be one the other user can enter: made under the system's temp folder.
    folder = Path(tempfile.mkdtemp(prefix="parley-unreadable-"))
    try:
        folder.chmod(0o777)
        path = _write_json(folder / "settings.json", GOOD)
        path.chmod(0)
        uid = 65534 if os.geteuid() == 0 else os.geteuid()
        problem = _load_and_save_as(uid, path)
        assert "cannot open its settings file" in problem
        assert "permission denied" in problem
        assert "chmod u+rw" in problem
        assert sorted(p.name for p in folder.iterdir()) == ["settings.json"]
        path.chmod(0o600)
        assert json.loads(path.read_text()) == GOOD
    finally:
        shutil.rmtree(folder)


# Property-based: whatever the file holds, loading ends quickly, raises nothing, keeps every
# valid value beside the bad ones, and the values it hands out pass the table's own checks.

_json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=20,
)
_names = st.sampled_from([*GLOBAL, *PER_PROVIDER, "other"])


def _check_values(settings: Settings) -> None:
    for name, setting in GLOBAL.items():
        assert setting.coerce(settings.get(name)) == settings.get(name)
    for values in settings.snapshot()["providers"].values():
        assert isinstance(values, dict)


@pytest.mark.fuzz
@given(raw=st.binary(max_size=400))
def test_any_bytes_load_without_error(tmp_path_factory: pytest.TempPathFactory, raw: bytes) -> None:
    path = tmp_path_factory.mktemp("fuzz") / "settings.json"
    path.write_bytes(raw)
    settings = only_raises(lambda: Settings.load(path))
    assert isinstance(settings, Settings)
    _check_values(settings)


@pytest.mark.fuzz
@given(
    settings_values=st.dictionaries(_names, _json_values, max_size=6),
    provider_values=st.dictionaries(
        st.text(max_size=10), _json_values | st.dictionaries(_names, _json_values), max_size=4
    ),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "utf-16-be", "utf-32"]),
)
def test_any_json_keeps_its_good_values(
    tmp_path_factory: pytest.TempPathFactory,
    settings_values: dict[str, Any],
    provider_values: dict[str, Any],
    encoding: str,
) -> None:
    path = tmp_path_factory.mktemp("fuzz") / "settings.json"
    data = {
        "settings": {**settings_values, "connect_timeout": 5},
        "providers": {**provider_values, "VoiGpt": {"model": "gpt-4"}},
    }
    path.write_bytes(json.dumps(data).encode(encoding))
    settings = only_raises(lambda: Settings.load(path))
    assert isinstance(settings, Settings)
    _kept_the_good_ones(settings)
    _check_values(settings)
    settings.save()
    again = Settings.load(path)
    assert again.snapshot() == settings.snapshot()
    assert not (path.parent / "settings.json.damaged").exists()


# What each kind of file in the settings file's place gives, word for word: the sentence the
# window shows, and whether Parley may write there.


def _damaged(path: Path, why: str) -> FileContents:
    return FileContents(
        problem=(
            "Parley could not read its settings file, so it uses the default settings. The file "
            f"was kept as {path}.damaged: fix it and move it back, or delete it. ({why}.)"
        )
    )


@pytest.mark.parametrize(
    ("raw", "why"),
    [
        (
            b"{",
            "It is not valid JSON: Expecting property name enclosed in double quotes: "
            "line 1 column 2 (char 1)",
        ),
        (b"[1, 2]", "It holds a JSON list, not an object"),
        (b'"text"', "It holds a JSON str, not an object"),
        (b"\x007", "It holds a JSON int, not an object"),  # "7" in UTF-16-BE
        (b"7\x00", "It holds a JSON int, not an object"),  # "7" in UTF-16-LE
        (b"\xff{}", "It is not text in UTF-8 (byte 0)"),
        (b'{"a": 1}'.decode().encode("utf-16-le")[:-1], "It is not text in UTF-16-LE (byte 14)"),
        (b"[" * 5000, "It is nested too deeply to be a settings file"),
    ],
)
def test_a_damaged_file_is_set_aside_with_the_reason_in_words(
    tmp_path: Path, raw: bytes, why: str
) -> None:
    path = tmp_path / "settings.json"
    path.write_bytes(raw)
    assert read_file(path) == _damaged(path, why)
    assert (tmp_path / "settings.json.damaged").read_bytes() == raw
    assert not path.exists()


def test_a_file_of_exactly_one_mib_is_read_and_one_byte_more_is_set_aside(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    head = b'{"settings": {"provider": "VoiGpt"}, "pad": "'
    path.write_bytes(head + b"a" * (MAX_BYTES - len(head) - 2) + b'"}')
    assert path.stat().st_size == MAX_BYTES == 1 << 20
    assert read_file(path).data["settings"] == {"provider": "VoiGpt"}
    path.write_bytes(head + b"a" * (MAX_BYTES - len(head) - 1) + b'"}')
    assert read_file(path) == _damaged(path, "It is larger than 1024 KiB")


def test_a_huge_file_is_set_aside_without_being_read_whole(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    with path.open("wb") as file:
        file.truncate(1 << 40)  # a sparse terabyte: reading it all would exhaust memory
    with ends_within(30):
        contents = read_file(path)
    assert contents == _damaged(path, "It is larger than 1024 KiB")
    assert (tmp_path / "settings.json.damaged").stat().st_size == 1 << 40


def test_a_folder_or_a_device_in_its_place_is_named_and_never_written(tmp_path: Path) -> None:
    folder = tmp_path / "settings.json"
    folder.mkdir()
    for path, kind in ((folder, "folder"), (Path(os.devnull), "device")):
        assert read_file(path) == FileContents(
            problem=(
                f"Parley's settings file {path} is a {kind}, not a file, so Parley uses the "
                "default settings and does not save changes. Remove it or put a settings file "
                "there."
            ),
            writable=False,
        )
    settings = Settings.load(folder)
    settings.set("provider", "VoiGpt")
    settings.save()
    assert list(folder.iterdir()) == []


def test_a_file_that_cannot_be_opened_is_reported_and_never_replaced(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    path.symlink_to(path)  # a link to itself: opening it fails with ELOOP, even as root
    assert read_file(path) == FileContents(
        problem=(
            f"Parley cannot open its settings file {path} (too many levels of symbolic links), "
            "so it uses the default settings and does not save changes. Give yourself read and "
            f"write access to it (chmod u+rw '{path}')."
        ),
        writable=False,
    )
    settings = Settings.load(path)
    assert "cannot open its settings file" in settings.problem
    settings.set("provider", "VoiGpt")
    settings.save()
    assert path.is_symlink()
    assert os.readlink(path) == str(path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["settings.json"]


def test_reading_closes_its_descriptor_even_when_it_is_number_0(tmp_path: Path) -> None:
    """A program started without stdin gets descriptor 0 for the first file it opens."""
    folder = tmp_path / "settings.json"
    folder.mkdir()
    saved = os.dup(0)
    try:
        os.close(0)
        probe = os.open(os.devnull, os.O_RDONLY)
        assert probe == 0
        os.close(probe)
        assert read_file(folder).writable is False  # opened as 0, then refused: not a file
        with pytest.raises(OSError, match="Bad file descriptor"):
            os.fstat(0)
    finally:
        os.dup2(saved, 0)
        os.close(saved)


def test_when_every_damaged_name_is_taken_the_file_is_left_as_it_is(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    (tmp_path / "settings.json.damaged").touch()
    for number in range(2, 1000):
        (tmp_path / f"settings.json.damaged-{number}").touch()
    path.write_text("{broken")
    assert read_file(path) == FileContents(
        problem=(
            f"Parley could not read its settings file {path} and could not set it aside, so it "
            "uses the default settings and leaves the file as it is: fix or remove it. (It is "
            "not valid JSON: Expecting property name enclosed in double quotes: line 1 column 2 "
            "(char 1); setting it aside failed: too many damaged copies are kept beside it.)"
        ),
        writable=False,
    )
    settings = Settings.load(path)
    settings.set("provider", "VoiGpt")
    settings.save()
    assert path.read_text() == "{broken"
    assert not (tmp_path / "settings.json.damaged-1000").exists()
    assert len(list(tmp_path.iterdir())) == 1000


def test_integers_keep_their_type_up_to_300_digits(tmp_path: Path) -> None:
    """Python refuses to read integers beyond a limit: a longer one becomes a float."""
    assert parse(b'{"n": 7}') == {"n": 7}
    assert type(parse(b'{"n": 7}')["n"]) is int
    digits = "1" * 300
    assert type(parse(f'{{"n": {digits}}}'.encode())["n"]) is int
    assert parse(f'{{"n": {digits}}}'.encode())["n"] == int(digits)
    assert type(parse(f'{{"n": {digits}1}}'.encode())["n"]) is float
    path = _write_json(tmp_path / "settings.json", {"window": {"width": 900}})
    Settings.load(path).save()
    assert '"width": 900\n' in path.read_text()  # an unknown value is written back as it was


def test_the_file_is_written_sorted_indented_and_ascii(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    write_file(path, {"b": 1, "a": {"d": [1, 2], "c": "é"}})
    assert path.read_text(encoding="ascii") == (
        '{\n  "a": {\n    "c": "\\u00e9",\n    "d": [\n      1,\n      2\n    ]\n  },\n  "b": 1\n}'
    )


_IN_MODIFY, _IN_CLOSE_WRITE, _IN_MOVED_FROM, _IN_MOVED_TO, _IN_CREATE = 0x2, 0x8, 0x40, 0x80, 0x100
_IN_NONBLOCK = os.O_NONBLOCK


def _changes_in(folder: Path, action: Callable[[], object]) -> list[tuple[str, str]]:
    """What ``action()`` did to the files in ``folder``, as Linux's inotify reports it:
    ("create" | "write" | "moved_from" | "moved_to", name), in order."""
    libc = ctypes.CDLL(None, use_errno=True)
    fd = libc.inotify_init1(_IN_NONBLOCK | os.O_CLOEXEC)
    assert fd >= 0, os.strerror(ctypes.get_errno())
    try:
        mask = _IN_MODIFY | _IN_CLOSE_WRITE | _IN_MOVED_FROM | _IN_MOVED_TO | _IN_CREATE
        assert libc.inotify_add_watch(fd, str(folder).encode(), mask) >= 0
        action()
        data = os.read(fd, 1 << 16)
    finally:
        os.close(fd)
    words = {
        _IN_CREATE: "create",
        _IN_MODIFY: "write",
        _IN_CLOSE_WRITE: "write",
        _IN_MOVED_FROM: "moved_from",
        _IN_MOVED_TO: "moved_to",
    }
    changes: list[tuple[str, str]] = []
    offset = 0
    while offset < len(data):
        _, event, _, size = struct.unpack_from("iIII", data, offset)
        name = data[offset + 16 : offset + 16 + size].rstrip(b"\0").decode()
        offset += 16 + size
        change = (words[event], name)
        if not changes or changes[-1] != change:
            changes.append(change)
    return changes


def test_a_save_writes_a_hidden_file_beside_it_then_renames_it_over(tmp_path: Path) -> None:
    """The settings file itself is never opened for writing: a crash leaves the old file whole,
    and at most a hidden ``.settings-*.json`` beside it."""
    path = _write_json(tmp_path / "settings.json", GOOD)
    changes = _changes_in(tmp_path, lambda: write_file(path, {"settings": {}}))
    assert [kind for kind, _ in changes] == ["create", "write", "moved_from", "moved_to"]
    temporary = changes[0][1]
    assert re.fullmatch(r"\.settings-[a-z0-9_]+\.json", temporary), temporary
    assert changes == [
        ("create", temporary),
        ("write", temporary),
        ("moved_from", temporary),
        ("moved_to", "settings.json"),
    ]
    assert json.loads(path.read_text()) == {"settings": {}}


def test_a_save_works_when_the_system_temp_folder_does_not(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("")
    monkeypatch.setattr(tempfile, "tempdir", str(blocked))
    path = tmp_path / "config" / "settings.json"
    write_file(path, GOOD)
    assert json.loads(path.read_text()) == GOOD
    assert sorted(p.name for p in path.parent.iterdir()) == ["settings.json"]
