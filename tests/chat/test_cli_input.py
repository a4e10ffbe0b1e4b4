"""What the command line and standard input hand ``parley``, read exactly."""

from __future__ import annotations

import io

import pytest

from chat.cli_input import UsageError, parse_options, read_prompt, seconds_flag, text_from
from chat.settings import Settings
from providers.contract import Options


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def piped(data: bytes) -> io.TextIOWrapper:
    return io.TextIOWrapper(io.BytesIO(data), encoding="utf-8")


def test_options_are_typed_and_credentials_kept_apart() -> None:
    options, given = parse_options(
        ["temperature=0.5", "max_tokens=7", 'cookies={"a": "1"}', "api_key=k=v"],
        ("cookies", "api_key"),
    )
    assert options == Options(temperature=0.5, max_tokens=7)
    assert given == {"cookies": {"a": "1"}, "api_key": "k=v"}


@pytest.mark.parametrize(
    ("raw", "kept"), [("[1]", "[1]"), ("not json", "not json"), ('"text"', '"text"'), ("{}", {})]
)
def test_a_credential_is_a_mapping_only_when_it_is_a_json_object(raw: str, kept: object) -> None:
    assert parse_options([f"cookies={raw}"], ("cookies",))[1] == {"cookies": kept}


def test_a_value_with_an_equals_sign_keeps_it() -> None:
    with pytest.raises(UsageError) as caught:
        parse_options(["seed=1=2"])
    assert str(caught.value) == "--option seed: '1=2' is not a whole number."


def test_a_number_option_given_as_json_true_is_refused() -> None:
    with pytest.raises(UsageError, match="temperature takes a number, not true"):
        parse_options(["temperature=true"])


@pytest.mark.parametrize(
    ("pair", "message"),
    [
        ("temperature", "--option 'temperature': write KEY=VALUE, e.g. temperature=0.2."),
        ("=1", "--option '=1': write KEY=VALUE, e.g. temperature=0.2."),
        (
            "proxy=http://h:1",
            "--option proxy: no such option (use --proxy). Known options: temperature, top_p, "
            "max_tokens, seed, presence_penalty, frequency_penalty, reasoning_effort, cookies.",
        ),
        (
            "base_url=http://h",
            "--option base_url: no such option (use --base-url). Known options: temperature, "
            "top_p, max_tokens, seed, presence_penalty, frequency_penalty, reasoning_effort, "
            "cookies.",
        ),
        (
            "colour=red",
            "--option colour: no such option. Known options: temperature, top_p, max_tokens, "
            "seed, presence_penalty, frequency_penalty, reasoning_effort, cookies.",
        ),
    ],
)
def test_a_wrong_option_says_what_to_type(pair: str, message: str) -> None:
    with pytest.raises(UsageError) as caught:
        parse_options([pair], ("cookies",))
    assert str(caught.value) == message


def test_every_option_is_read_not_only_the_first() -> None:
    options, given = parse_options(["cookies=a", "seed=3", "top_p=0.5"], ("cookies",))
    assert (options, given) == (Options(seed=3, top_p=0.5), {"cookies": "a"})


def test_a_timeout_flag_is_checked_as_its_setting_is(tmp_path: object) -> None:
    settings = Settings()
    assert seconds_flag("--idle-timeout", None, settings) == 60.0
    assert seconds_flag("--connect-timeout", 2.5, settings) == 2.5
    with pytest.raises(UsageError) as caught:
        seconds_flag("--connect-timeout", 0, settings)
    assert str(caught.value) == (
        "--connect-timeout: 0 is not a number of seconds above 0 and at most 3600."
    )


def test_standard_input_is_utf8_with_or_without_a_bom() -> None:
    assert text_from(piped("\ufeffhé".encode()), "prompt") == "hé"
    assert text_from(io.StringIO("plain"), "prompt") == "plain"
    with pytest.raises(UsageError) as caught:
        text_from(piped(b"ok\xff"), "cookies")
    assert str(caught.value) == (
        "The cookies on standard input is not UTF-8 text (byte 2 is not). "
        "Save it as UTF-8 and try again."
    )


def test_the_prompt_comes_from_the_words_else_from_stdin() -> None:
    assert read_prompt(["what", "is", "2+2?"], Terminal()) == "what is 2+2?"
    assert read_prompt(["-"], piped(b"from stdin")) == "from stdin"
    assert read_prompt([], piped(b"piped")) == "piped"
    with pytest.raises(UsageError) as caught:
        read_prompt([], Terminal())
    assert str(caught.value) == "Give a prompt: parley ask 'your question' (or pipe it on stdin)."
    with pytest.raises(UsageError, match="The prompt on standard input is not UTF-8"):
        read_prompt(["-"], piped(b"\xff"))
