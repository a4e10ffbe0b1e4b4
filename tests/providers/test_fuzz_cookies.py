"""Property tests of the cookie parser: any input gives cookies that can be sent, or its error."""

from __future__ import annotations

import json
import string
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chat.secrets import decode_cookies, encode_cookies
from providers.cookies import CookieFormatError, cookie_header, parse_cookie_header, parse_cookies
from tests.support.fuzz import only_raises

pytestmark = pytest.mark.fuzz

FUTURE = 2_000_000_000
DOMAINS = st.sampled_from([None, "a.com", "https://sub.a.com/chat", "b.org", "[::1]"])
# Characters that mean something to one of the forms, or that no header may carry.
SPECIAL = "=;,\"' \t\r\n\x00\x01\x0b\x0c\x1f\x7f\x85\xa0\u2028\ufeff\ud800#:/~.[]{}\\"
FRAGMENTS = st.sampled_from(
    ["Cookie:", "cookie :", "a=1", "=", ";", "; ", "\n", "\r\n", "\t", "#HttpOnly_", "TRUE",
     "FALSE", "/", ".a.com", "# Netscape HTTP Cookie File", str(FUTURE), "9" * 400, "x"]
)  # fmt: skip
ANY_CHAR = st.characters(exclude_categories=())  # surrogates too
HOSTILE_TEXT = st.text(st.sampled_from(SPECIAL) | st.sampled_from("abcAB01") | ANY_CHAR)
# What browsers export: RFC 6265 cookie-octets, and the quotes, commas and blanks they also send.
PLAIN_TEXT = st.text(
    st.sampled_from(string.ascii_letters + string.digits + "-_.%+/=:!$&'()*<>?@[]^`{|}~\", \t")
)
NAMES = st.sampled_from(["sid", "", "a b", "a;b", "x=", "__Secure-x", "a[b]", "Cookie:x"])
VALUES = PLAIN_TEXT | HOSTILE_TEXT
HUGE_NUMBERS = st.sampled_from([int("9" * 310), -int("9" * 310), 1e308, float("inf"), -1, 0])
JSON_SCALARS = st.none() | st.booleans() | st.integers() | st.floats() | HOSTILE_TEXT | HUGE_NUMBERS
JSON_VALUES = st.recursive(
    JSON_SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=20,
)
ODD = JSON_VALUES | st.sampled_from([5, "5", [5], {"a": 1}, None, True])


def check_sendable(result: dict[str, str] | BaseException) -> None:
    """Accepted cookies build a header with no line break that reads back the same."""
    if isinstance(result, BaseException):
        assert str(result)
        return
    assert result
    header = cookie_header(result)
    assert "\r" not in header
    assert "\n" not in header
    assert parse_cookie_header(header) == result
    assert decode_cookies(encode_cookies(result)) == result


def parse(text: str, domain: str | None) -> dict[str, str] | BaseException:
    result = only_raises(lambda: parse_cookies(text, domain), CookieFormatError)
    check_sendable(result)
    return result


def secret_values() -> st.SearchStrategy[tuple[str, str]]:
    """A value that holds a marker, to show no error message ever quotes a cookie value."""
    return st.tuples(st.uuids().map(lambda u: u.hex), VALUES).map(
        lambda pair: (pair[0], pair[0] + pair[1])
    )


def never_quotes(result: dict[str, str] | BaseException, markers: list[str]) -> None:
    if isinstance(result, BaseException):
        assert not any(marker in str(result) for marker in markers)


@given(text=st.text(ANY_CHAR) | HOSTILE_TEXT, domain=DOMAINS)
def test_any_text(text: str, domain: str | None) -> None:
    parse(text, domain)


@given(pieces=st.lists(FRAGMENTS | VALUES, max_size=30), domain=DOMAINS)
def test_text_made_of_the_forms_own_pieces(pieces: list[str], domain: str | None) -> None:
    parse("".join(pieces), domain)


TOKEN = st.text(
    st.sampled_from(string.ascii_letters + string.digits + "!#$%&'*+-.^_`|~"), min_size=1
)
# RFC 6265 cookie-octets, with the blanks, quotes, commas and backslashes browsers also send.
OCTETS = "".join(chr(c) for c in range(0x21, 0x7F) if chr(c) != ";") + " "
BROWSER_VALUE = st.text(
    st.sampled_from(OCTETS) | st.characters(min_codepoint=0xA1, exclude_categories=("Cs",))
).map(str.strip)


@given(
    cookies=st.dictionaries(TOKEN, BROWSER_VALUE, min_size=1, max_size=8),
    separator=st.sampled_from(["; ", ";", "\n", "\r\n", " ;  "]),
    prefix=st.sampled_from(["", "Cookie: ", "cookie:", "  COOKIE :"]),
)
def test_headers_a_browser_sends_are_read_exactly(
    cookies: dict[str, str], separator: str, prefix: str
) -> None:
    text = prefix + separator.join(f"{name}={value}" for name, value in cookies.items())
    assert parse(text, None) == cookies


@given(data=JSON_VALUES, wrap=st.sampled_from(["list", "dict", "har", "state"]), domain=DOMAINS)
def test_any_json(data: Any, wrap: str, domain: str | None) -> None:
    shapes = {
        "list": [data],
        "dict": data if isinstance(data, dict) else {"x": data},
        "har": {"log": {"entries": data}},
        "state": {"cookies": data},
    }
    parse(json.dumps(shapes[wrap]), domain)


def export_entries() -> st.SearchStrategy[tuple[dict[str, Any], str]]:
    """An extension's entry, each field either plausible or hostile; and its value's marker."""
    fields = {
        "domain": st.sampled_from([".a.com", "a.com", "sub.a.com", "b.org", ""]) | ODD,
        "hostOnly": st.booleans() | ODD,
        "session": st.booleans() | ODD,
        "expirationDate": HUGE_NUMBERS | st.sampled_from([FUTURE, 1.5, "soon"]) | ODD,
        "expires": HUGE_NUMBERS | ODD,
    }
    name = NAMES | PLAIN_TEXT.filter(lambda s: "=" not in s) | HOSTILE_TEXT | ODD
    entry = st.fixed_dictionaries({"name": name}, optional=fields)
    return st.tuples(entry, secret_values()).map(lambda t: ({**t[0], "value": t[1][1]}, t[1][0]))


@given(entries=st.lists(export_entries(), max_size=6), domain=DOMAINS, state=st.booleans())
def test_extension_exports_with_hostile_fields(
    entries: list[tuple[dict[str, Any], str]], domain: str | None, state: bool
) -> None:
    items = [entry for entry, _ in entries]
    result = parse(json.dumps({"cookies": items} if state else items), domain)
    never_quotes(result, [marker for _, marker in entries])


def har_requests() -> st.SearchStrategy[tuple[Any, str]]:
    """A HAR entry with a hostile URL, headers or cookies; and the marker of its values."""
    url = st.sampled_from(["https://a.com/x", "http://[::1", "http://sub.a.com", ""]) | ODD
    header_name = st.sampled_from(["Cookie", "cookie", "Host"]) | ODD

    def build(args: tuple[Any, Any, str, tuple[str, str], Any, int]) -> tuple[Any, str]:
        target, name, pair, (marker, value), odd, shape = args
        headers = [{"name": name, "value": f"{pair}={value}"}, odd]
        cookies = [{"name": pair, "value": value}, odd]
        request = {"url": target, "headers": headers, "cookies": cookies}
        shapes = [request, {**request, "headers": odd}, {**request, "cookies": odd}, odd]
        return {"request": shapes[shape]}, marker

    pair = NAMES | PLAIN_TEXT | HOSTILE_TEXT
    parts = (url, header_name, pair, secret_values(), ODD, st.integers(0, 3))
    return st.tuples(*parts).map(build)


@given(requests=st.lists(har_requests(), max_size=5), log=ODD, domain=DOMAINS)
def test_har_files_with_hostile_fields(
    requests: list[tuple[Any, str]], log: Any, domain: str | None
) -> None:
    entries = [entry for entry, _ in requests]
    text = json.dumps({"log": {"entries": entries}} if requests else {"log": log})
    never_quotes(parse(text, domain), [marker for _, marker in requests])


def netscape_rows() -> st.SearchStrategy[tuple[str, str]]:
    """A cookies.txt row (sometimes of the wrong width); and its value's marker."""
    one_line = VALUES.filter(lambda s: "\t" not in s and "\n" not in s)
    field = st.sampled_from([".a.com", "a.com", "TRUE", "FALSE", "/", str(FUTURE)]) | one_line
    # The first column is a plain domain: the whole text's leading blanks are stripped.
    start = st.sampled_from(["", "#HttpOnly_", "# "])
    domain = st.sampled_from([".a.com", "a.com", "sub.a.com", "b.org", ".b.org", "x"])
    expiry = st.sampled_from([str(FUTURE), "0", "9" * 310, "-1", "1e999", "nan", "x"])
    width = st.sampled_from([6, 7, 7, 7, 8])

    def build(args: tuple[str, str, list[str], str, str, tuple[str, str], int]) -> tuple[str, str]:
        prefix, site, fields, expires, name, (marker, value), columns = args
        row = [site, *fields[:3], expires, name, value, *fields[3:]][:columns]
        return prefix + "\t".join(row), marker

    fields = st.lists(field, min_size=4, max_size=4)
    parts = (start, domain, fields, expiry, field, secret_values(), width)
    return st.tuples(*parts).map(build)


@given(
    rows=st.lists(netscape_rows(), min_size=1, max_size=8),
    header=st.booleans(),
    newline=st.sampled_from(["\n", "\r\n"]),
    domain=DOMAINS,
)
def test_cookies_txt_rows(
    rows: list[tuple[str, str]], header: bool, newline: str, domain: str | None
) -> None:
    lines = ["# Netscape HTTP Cookie File"] if header else []
    text = newline.join(lines + [row for row, _ in rows])
    never_quotes(parse(text, domain), [marker for _, marker in rows])


ADVERSARIAL = {
    "blank then no prefix": lambda n: " " * n + "x",
    "prefix then blanks": lambda n: "cookie" + " " * n,
    "prefix, blanks, colon": lambda n: "Cookie" + " " * n + ":" + "a=1",
    "netscape comment": lambda n: "#" + " " * n + "x\n.a.com\tTRUE\t/\tFALSE\t0\ta\t1",
    "one long value": lambda n: "a=" + "b" * n,
    "many cookies": lambda n: "a=1; " * (n // 5),
    "many separators": lambda n: ";" * n,
    "many equals": lambda n: "a" + "=" * n,
    "tabs": lambda n: "\t" * n,
    "tab rows": lambda n: ".a.com\tTRUE\t/\tFALSE\t0\tn\tv\n" * (n // 28),
    "controls": lambda n: "a=\x01" * (n // 3),
    "deep list": lambda n: "[" * n,
    "deep object": lambda n: '{"log":' * (n // 7),
    "deep value": lambda n: '[{"name": "a", "value": ' + "[" * 900 + "]" * 900 + "}]",
    "huge int": lambda n: '[{"name": "a", "value": "1", "expirationDate": ' + "9" * n + "}]",
    "long float": lambda n: '[{"name": "a", "expirationDate": 1.' + "1" * n + "}]",
    "huge expiry text": lambda n: ".a.com\tTRUE\t/\tFALSE\t" + "9" * n + "\ta\t1",
    "long path-like": lambda n: "/" * n,
    "unmatched brackets": lambda n: "[" + " " * n,
    "long name": lambda n: "n" * n + "=1",
    "nameless": lambda n: "a=1; " + "b " * (n // 2),
}


@pytest.mark.slow
@pytest.mark.parametrize("shape", sorted(ADVERSARIAL))
def test_adversarial_input_a_megabyte_long(shape: str) -> None:
    for size in (10_000, 1_000_000):
        for domain in (None, "a.com"):
            parse(ADVERSARIAL[shape](size), domain)


@given(cookies=st.dictionaries(st.text(ANY_CHAR), st.text(ANY_CHAR)))
def test_the_keyring_encoding_round_trips_any_mapping(cookies: dict[str, str]) -> None:
    assert decode_cookies(encode_cookies(cookies)) == cookies


@given(text=st.text(ANY_CHAR) | JSON_VALUES.map(json.dumps) | st.sampled_from(["[" * 5000]))
def test_any_keyring_entry_decodes_without_error(text: str) -> None:
    cookies = only_raises(lambda: decode_cookies(text))
    assert isinstance(cookies, dict)
    assert all(isinstance(k, str) and isinstance(v, str) for k, v in cookies.items())
