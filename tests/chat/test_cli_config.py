"""``parley config``: every setting that is not secret, read and changed from the command line,
each value checked by the settings table as the window checks it; a refused value changes
nothing."""

from __future__ import annotations

import json

import pytest

from chat.cli import EXIT_OK, EXIT_USAGE, main
from chat.settings import GLOBAL, PER_PROVIDER, Settings, default_path


def parley(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def saved() -> dict[str, object]:
    return json.loads(default_path().read_text(encoding="utf-8"))


def test_list_shows_every_global_setting_with_its_value_and_what_it_does(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, err = parley(capsys, "config", "list")
    assert (code, err) == (EXIT_OK, "")
    lines = out.splitlines()
    assert lines[0::2] == [
        'provider = ""',
        'default_provider = ""',
        'default_model = ""',
        'last_conversation = ""',
        'proxy = ""',
        'auto_providers = ""',
        "theme = system",
        "language = system",
        "font_size = 0",
        "connect_timeout = 15",
        "idle_timeout = 60",
        'ca_bundle = ""',
    ]
    assert lines[13] == "    Light or dark: system, light or dark. Default: system."
    assert len(lines) == 2 * len(GLOBAL)


def test_set_checks_saves_and_get_reads_it_back(capsys: pytest.CaptureFixture[str]) -> None:
    assert parley(capsys, "config", "set", "theme", "dark") == (
        EXIT_OK,
        "",
        "parley: theme is dark now.\n",
    )
    assert parley(capsys, "config", "set", "idle_timeout", "30") == (
        EXIT_OK,
        "",
        "parley: idle_timeout is 30 now.\n",
    )
    assert saved() == {"providers": {}, "settings": {"idle_timeout": 30.0, "theme": "dark"}}
    assert parley(capsys, "config", "get", "theme") == (EXIT_OK, "dark\n", "")
    assert Settings.load().get("idle_timeout") == 30.0  # what the window reads


@pytest.mark.parametrize(
    ("name", "value", "said"),
    [
        ("theme", "blue", "theme: 'blue' is not system, light or dark."),
        ("connect_timeout", "0", "connect_timeout: 0 is not a number of seconds above 0 and "
         "at most 3600."),
        ("idle_timeout", "soon", "idle_timeout: 'soon' is not a number."),
        ("proxy", "http://me:pw@127.0.0.1:3128", "proxy: a proxy password is a secret: it goes "
         "to the keyring, never to the settings file."),
        ("proxy", "ftp://127.0.0.1", "proxy: 'ftp://127.0.0.1' is not a proxy URL (http://, "
         "https:// or socks5://)."),
    ],
)  # fmt: skip
def test_a_refused_value_says_why_and_changes_nothing(
    capsys: pytest.CaptureFixture[str], name: str, value: str, said: str
) -> None:
    assert parley(capsys, "config", "set", "theme", "light")[0] == EXIT_OK
    before = default_path().read_bytes()
    assert parley(capsys, "config", "set", name, value) == (
        EXIT_USAGE,
        "",
        f"parley: {said} Nothing was changed.\n",
    )
    assert default_path().read_bytes() == before


def test_unset_puts_the_default_back(capsys: pytest.CaptureFixture[str]) -> None:
    parley(capsys, "config", "set", "theme", "dark")
    assert parley(capsys, "config", "unset", "theme") == (
        EXIT_OK,
        "",
        "parley: theme is system now.\n",
    )
    assert saved()["settings"] == {}


def test_a_providers_own_settings_go_with_provider(capsys: pytest.CaptureFixture[str]) -> None:
    url = "http://127.0.0.1:8080/v1"
    assert parley(capsys, "config", "set", "base_url", url + "/", "--provider", "openai") == (
        EXIT_OK,
        "",
        f"parley: base_url for OpenAI is {url} now.\n",  # the provider's name as registered
    )
    assert saved()["providers"] == {"OpenAI": {"base_url": url}}
    assert parley(capsys, "config", "get", "base_url", "--provider", "OpenAI") == (
        EXIT_OK,
        f"{url}\n",
        "",
    )
    code, out, _ = parley(capsys, "config", "list", "--provider", "OpenAI")
    assert code == EXIT_OK
    assert out.splitlines()[0::2] == [
        f"base_url = {url}",
        'proxy = ""',
        'model = ""',
        "enabled = true",
    ]
    assert len(out.splitlines()) == 2 * len(PER_PROVIDER)


def test_a_setting_in_the_wrong_place_says_where_it_is(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = parley(capsys, "config", "set", "base_url", "http://127.0.0.1:1/v1")
    assert code == EXIT_USAGE
    assert err.endswith("It is a provider's own: parley config … base_url --provider NAME.\n")
    code, _, err = parley(capsys, "config", "get", "theme", "--provider", "OpenAI")
    assert (code, err) == (
        EXIT_USAGE,
        "parley: No setting named 'theme'; known: base_url, proxy, model, enabled. It is a global "
        "setting: leave out --provider.\n",
    )
    code, _, err = parley(capsys, "config", "get", "colour")
    assert (code, err.startswith("parley: No setting named 'colour'; known: provider,")) == (
        EXIT_USAGE,
        True,
    )


def test_the_provider_for_new_chats_must_be_one_that_exists(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert parley(capsys, "config", "set", "provider", "anthropic")[0] == EXIT_OK
    assert Settings.load().get("provider") == "Anthropic"
    code, _, err = parley(capsys, "config", "set", "provider", "Nobody")
    assert code == EXIT_USAGE
    assert "Nobody" in err
    assert Settings.load().get("provider") == "Anthropic"


def test_a_settings_file_that_cannot_be_written_says_so(
    capsys: pytest.CaptureFixture[str],
) -> None:
    folder = default_path().parent
    folder.parent.mkdir(parents=True, exist_ok=True)
    folder.write_text("a file where the settings folder should be", encoding="utf-8")
    code, _, err = parley(capsys, "config", "set", "theme", "dark")
    assert code == EXIT_USAGE
    assert err.splitlines()[-1] == (
        f"parley: The settings could not be saved to {default_path()}: check that its "
        "folder can be written, then try again. (File exists)"
    )
