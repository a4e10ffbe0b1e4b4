"""What the command line and standard input hand ``parley``, read exactly."""

from __future__ import annotations

import io

import pytest

from chat.cli_input import (
    UsageError,
    parse_options,
    read_prompt,
    refuse_proxy_password,
    seconds_flag,
    text_from,
)
from chat.settings import Settings
from providers.contract import Options


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def piped(data: bytes) -> io.TextIOWrapper:
    return io.TextIOWrapper(io.BytesIO(data), encoding="utf-8")


def test_options_are_typed() -> None:
    options = parse_options(["temperature=0.5", "max_tokens=7"])
    assert options == Options(temperature=0.5, max_tokens=7)


KEY_ADVICE = (
    "an API key is a secret, so Parley never takes it from the command line (other users and "
    "your shell's history could read it). Store it once with `parley keys set OpenAI api_key` "
    "(it reads the key from stdin or asks for it hidden), then run this again."
)


@pytest.mark.parametrize(
    ("pair", "message"),
    [
        ("api_key=sk-secret", KEY_ADVICE),
        (
            "access_token=tok-secret",
            "an access token is a secret, so Parley never takes it from the command line (other "
            "users and your shell's history could read it). Store it once with `parley keys set "
            "OpenAI access_token` (it reads the token from stdin or asks for it hidden), then "
            "run this again.",
        ),
        (
            'cookies={"a": "secret"}',
            "a site's cookies are secrets, so Parley never takes them from the command line "
            "(other users and your shell's history could read them). Store them once with "
            "`parley keys set OpenAI cookies` (it reads the cookies from stdin or asks for them "
            "hidden), then run this again.",
        ),
        (
            "header:X-Gateway-Key=gw-secret",
            "the value of the header X-Gateway-Key is a secret, so Parley never takes it from "
            "the command line (other users and your shell's history could read it). Store it "
            "once with `parley keys set OpenAI header:X-Gateway-Key` (it reads the value from "
            "stdin or asks for it hidden), then run this again.",
        ),
    ],
)
def test_a_secret_given_as_an_option_is_refused_with_how_to_store_it(
    pair: str, message: str
) -> None:
    with pytest.raises(UsageError) as caught:
        parse_options(["temperature=0.5", pair], "OpenAI")
    assert str(caught.value) == message
    assert pair.partition("=")[2] not in str(caught.value)  # the secret is never repeated


def test_the_refusal_names_the_site_and_quotes_the_provider() -> None:
    with pytest.raises(UsageError) as caught:
        parse_options(["api_key=sk-1"], "My vLLM", "http://127.0.0.1:8000/v1")
    assert "`parley keys set 'My vLLM' api_key --base-url http://127.0.0.1:8000/v1`" in str(
        caught.value
    )
    assert "sk-1" not in str(caught.value)


def test_a_proxy_url_with_a_password_is_refused_with_how_to_store_it() -> None:
    with pytest.raises(UsageError) as caught:
        refuse_proxy_password("http://ann:s3cret@127.0.0.1:3128", "OpenAI")
    assert str(caught.value) == (
        "a proxy's password is a secret, so Parley never takes it from the command line (other "
        "users and your shell's history could read it). Store it once with `parley keys set "
        "OpenAI proxy_password --proxy http://ann@127.0.0.1:3128` (it reads the password from "
        "stdin or asks for it hidden), then run this again with --proxy "
        "http://ann@127.0.0.1:3128."
    )
    refuse_proxy_password("http://ann@127.0.0.1:3128", "OpenAI")  # no password: fine
    refuse_proxy_password(None, "OpenAI")
    refuse_proxy_password("http://[not-a-host", "OpenAI")  # left to the request to say


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
            "max_tokens, seed, presence_penalty, frequency_penalty, reasoning_effort.",
        ),
        (
            "base_url=http://h",
            "--option base_url: no such option (use --base-url). Known options: temperature, "
            "top_p, max_tokens, seed, presence_penalty, frequency_penalty, reasoning_effort.",
        ),
        (
            "colour=red",
            "--option colour: no such option. Known options: temperature, top_p, max_tokens, "
            "seed, presence_penalty, frequency_penalty, reasoning_effort.",
        ),
    ],
)
def test_a_wrong_option_says_what_to_type(pair: str, message: str) -> None:
    with pytest.raises(UsageError) as caught:
        parse_options([pair], "OpenAI")
    assert str(caught.value) == message


def test_every_option_is_read_not_only_the_first() -> None:
    assert parse_options(["seed=3", "top_p=0.5"]) == Options(seed=3, top_p=0.5)


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
