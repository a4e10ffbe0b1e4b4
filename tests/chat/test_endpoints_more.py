"""The user's endpoints, value by value: what is read, refused, saved, removed and listed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from chat.endpoints import (
    Endpoint,
    add_to,
    checked_name,
    endpoints,
    is_endpoint,
    parse,
    remove_endpoint,
    save_endpoint,
)
from chat.settings import Settings, SettingsError
from providers.presets import OPENAI
from providers.registry import ProviderRegistry

FULL = Endpoint("Team", "http://127.0.0.1:8000/v1", {"X-Team": "blue"}, ("X-Gateway-Key",))


def with_endpoints(tmp_path: Path, section: object) -> Settings:
    path = tmp_path / "settings.json"
    path.write_text(json.dumps({"endpoints": section}), encoding="utf-8")
    return Settings.load(path)


def refusal(name: str, raw: object) -> str:
    with pytest.raises(SettingsError) as caught:
        parse(name, raw)
    return str(caught.value)


def test_an_endpoint_is_kept_with_only_the_parts_it_has() -> None:
    assert FULL.to_json() == {
        "base_url": "http://127.0.0.1:8000/v1",
        "headers": {"X-Team": "blue"},
        "secret_headers": ["X-Gateway-Key"],
    }
    assert Endpoint("Bare", "http://h").to_json() == {"base_url": "http://h"}


def test_an_endpoint_is_an_openai_compatible_provider_with_its_headers() -> None:
    provider = FULL.provider()
    assert (provider.name, provider.get_label(), provider.url, provider.kind) == (
        "Team",
        "Team",
        "http://127.0.0.1:8000/v1",
        "OpenAI-compatible",
    )
    assert (dict(provider.headers), provider.secret_headers) == (
        {"X-Team": "blue"},
        ("X-Gateway-Key",),
    )


def test_a_full_endpoint_is_read_back_as_it_was_written() -> None:
    raw = {
        "base_url": " http://127.0.0.1:8000/v1/ ",
        "headers": {"X-Team": "blue", "X-Note": "X-ray: on"},
        "secret_headers": ["X-Gateway-Key", "X-Gateway-Key", "X-Other"],
    }
    assert parse("  My   vLLM ", raw) == Endpoint(
        "My vLLM",
        "http://127.0.0.1:8000/v1",
        {"X-Team": "blue", "X-Note": "X-ray: on"},
        ("X-Gateway-Key", "X-Other"),
    )
    assert parse("Bare", {"base_url": "http://h"}) == Endpoint("Bare", "http://h", {}, ())


def test_a_name_of_sixty_characters_is_taken_and_one_more_is_not() -> None:
    assert checked_name("n" * 60) == "n" * 60
    long = "n" * 100
    with pytest.raises(SettingsError) as caught:
        checked_name(long)
    assert str(caught.value) == (
        f"{'n' * 80!r} cannot name an endpoint: use up to 60 characters, no “/”."
    )


@pytest.mark.parametrize(
    ("name", "sentence"),
    [
        ("  ", "An endpoint needs a name, such as “My vLLM”."),
        ("a/b", "'a/b' cannot name an endpoint: use up to 60 characters, no “/”."),
    ],
)
def test_a_bad_name_is_refused_in_words_that_say_why(name: str, sentence: str) -> None:
    with pytest.raises(SettingsError) as caught:
        checked_name(name)
    assert str(caught.value) == sentence


def test_a_name_already_taken_in_any_case_is_refused_and_another_is_not() -> None:
    with pytest.raises(SettingsError) as caught:
        checked_name("OPENAI", ["Anthropic", "OpenAI"])
    assert str(caught.value) == "“OPENAI” is already the name of a provider; pick another."
    assert checked_name("Mine", ["Anthropic", "OpenAI"]) == "Mine"


@pytest.mark.parametrize(
    ("raw", "sentence"),
    [
        ("http://h", "the endpoint “E” is not an object"),
        ({"base_url": 3}, "the endpoint “E” has no base_url"),
        ({"base_url": "   "}, "the endpoint “E” has no base_url"),
        (
            {"base_url": "http://h", "secret_headers": "X-Key"},
            "the endpoint “E”: headers must be an object, secret_headers a list",
        ),
        (
            {"base_url": "http://h", "headers": None},
            "the endpoint “E”: headers must be an object, secret_headers a list",
        ),
        (
            {"base_url": "http://h", "headers": {"X-" + "a" * 98: "v"}, "secret_headers": [3]},
            "the endpoint “E”: '3' is not a header name (letters, digits, “-”).",
        ),
        (
            {"base_url": "http://h", "headers": {"X-" + "a" * 100: "v"}},
            f"the endpoint “E”: {'X-' + 'a' * 78!r} is not a header name (letters, digits, “-”).",
        ),
        (
            {"base_url": "http://h", "headers": {"authorization": "v"}},
            "the endpoint “E”: the header authorization is set by Parley itself.",
        ),
        (
            {"base_url": "http://h", "headers": {"X-A": "a\0b"}},
            "the endpoint “E”: the value of the header X-A must be one line of text.",
        ),
        (
            {"base_url": "http://h", "headers": {"X-A": 3}},
            "the endpoint “E”: the value of the header X-A must be one line of text.",
        ),
        (
            {"base_url": "http://h", "headers": {"X-A": "1"}, "secret_headers": ["x-a"]},
            "the endpoint “E”: a header is both plain and secret",
        ),
    ],
)
def test_a_bad_endpoint_is_refused_with_the_whole_sentence(raw: object, sentence: str) -> None:
    assert refusal("E", raw) == sentence


def test_with_no_section_there_are_no_endpoints_and_no_problems(tmp_path: Path) -> None:
    assert endpoints(Settings.load(tmp_path / "settings.json")) == ([], [])


def test_a_section_that_is_not_an_object_is_said(tmp_path: Path) -> None:
    settings = with_endpoints(tmp_path, ["Mine"])
    assert endpoints(settings) == (
        [],
        [f"“endpoints” in {settings.path} is not an object, so no endpoint is used."],
    )


def test_each_endpoint_is_read_and_each_damaged_one_said_in_full(tmp_path: Path) -> None:
    settings = with_endpoints(
        tmp_path, {"Good": {"base_url": "http://h"}, "Bad": {}, "Also": {"base_url": "http://a"}}
    )
    assert endpoints(settings) == (
        [Endpoint("Good", "http://h"), Endpoint("Also", "http://a")],
        [
            f"In {settings.path}, the endpoint “Bad” has no base_url; fix it or add the "
            "endpoint again."
        ],
    )


def test_saving_an_endpoint_keeps_the_others_and_replaces_its_own(tmp_path: Path) -> None:
    settings = with_endpoints(tmp_path, {"Other": {"base_url": "http://o"}})
    save_endpoint(settings, FULL)
    save_endpoint(settings, Endpoint("Team", "http://t"))
    assert settings.section("endpoints") == {
        "Other": {"base_url": "http://o"},
        "Team": {"base_url": "http://t"},
    }


def test_saving_over_a_damaged_section_starts_it_again(tmp_path: Path) -> None:
    settings = with_endpoints(tmp_path, "damaged")
    save_endpoint(settings, FULL)
    assert settings.section("endpoints") == {"Team": FULL.to_json()}


def test_removing_an_endpoint_in_another_case_gives_it_back_and_keeps_the_rest(
    tmp_path: Path,
) -> None:
    settings = with_endpoints(tmp_path, {"Team": FULL.to_json(), "Other": {"base_url": "http://o"}})
    assert remove_endpoint(settings, "TEAM") == FULL
    assert settings.section("endpoints") == {"Other": {"base_url": "http://o"}}
    assert remove_endpoint(settings, "team") is None
    assert remove_endpoint(settings, "other") == Endpoint("Other", "http://o")
    assert settings.section("endpoints") is None


def test_removing_a_damaged_endpoint_gives_back_its_name_only(tmp_path: Path) -> None:
    settings = with_endpoints(tmp_path, {"Broken": {"base_url": 3}})
    assert remove_endpoint(settings, "broken") == Endpoint("Broken", "")
    assert settings.section("endpoints") is None


def test_nothing_is_removed_from_a_section_that_is_not_an_object(tmp_path: Path) -> None:
    settings = with_endpoints(tmp_path, ["Team"])
    assert remove_endpoint(settings, "Team") is None
    assert settings.section("endpoints") == ["Team"]


def test_an_endpoint_with_a_providers_name_is_left_out_and_the_next_is_added(
    tmp_path: Path,
) -> None:
    settings = with_endpoints(
        tmp_path, {"Taken": {"base_url": "http://t"}, "Mine": {"base_url": "http://m"}}
    )
    registry = ProviderRegistry()
    registry.add(Endpoint("Taken", "http://elsewhere").provider())
    assert add_to(registry, settings) == [
        "The endpoint “Taken” has the name of a provider; rename it."
    ]
    assert registry.names() == ["Mine", "Taken"]
    assert (registry.get("Taken").url, registry.get("Mine").url) == ("http://elsewhere", "http://m")


def test_only_a_users_endpoint_is_an_endpoint(tmp_path: Path) -> None:
    settings = with_endpoints(tmp_path, {"Mine": {"base_url": "http://m"}})
    assert is_endpoint(Endpoint("Mine", "http://m").provider(), settings)
    assert not is_endpoint(OPENAI, settings)
