"""Cookies as people paste and save them: the edges of each form, and every error's sentence."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from providers.cookies import (
    CookieFormatError,
    is_netscape,
    parse_cookie_list,
    parse_cookies,
    site_host,
)

AGAIN = "Copy the cookies from your browser again, or leave that cookie out."
CHECK = "Check the path, or paste the cookies."


def test_a_pasted_header_after_a_byte_order_mark_keeps_its_first_name() -> None:
    """A BOM (copied from a file saved on Windows) is not part of the first cookie's name."""
    assert parse_cookies("\ufeffXSRF-TOKEN=abc; b=2") == {"XSRF-TOKEN": "abc", "b": "2"}


def test_a_header_whose_first_name_starts_with_x_is_a_header() -> None:
    assert parse_cookies("XSRF-TOKEN=abc") == {"XSRF-TOKEN": "abc"}


def test_a_cookie_named_like_the_prefix_is_a_cookie() -> None:
    """Only ``Cookie:`` is a prefix; ``cookieconsent=yes`` is a cookie like any other."""
    assert parse_cookies("cookieconsent=yes; b=2") == {"cookieconsent": "yes", "b": "2"}


def test_an_indented_line_of_a_pasted_header_may_carry_the_prefix() -> None:
    assert parse_cookies("Cookie: a=1\n   Cookie: b=2") == {"a": "1", "b": "2"}


def test_a_header_value_with_a_slash_is_text_not_a_path() -> None:
    assert parse_cookies("token=a/b+c==") == {"token": "a/b+c=="}


def test_a_header_with_nothing_but_separators_says_it_holds_no_cookies() -> None:
    with pytest.raises(CookieFormatError) as caught:
        parse_cookies("Cookie: ; ;")
    assert str(caught.value) == (
        "The Cookie header holds no cookies. Copy them from a browser signed in to the site."
    )


def test_a_site_that_is_no_domain_is_quoted_in_the_error() -> None:
    domain = "https://" + "/" * 150
    with pytest.raises(CookieFormatError) as caught:
        site_host(domain)
    assert str(caught.value) == f"Not a domain or URL: {domain[:100]!r}. Give a host name."


def test_a_name_no_header_can_carry_is_quoted_in_part() -> None:
    name = "n" * 70 + ";"
    with pytest.raises(CookieFormatError) as caught:
        parse_cookie_list([{"name": name, "value": "v"}])
    assert str(caught.value) == (
        f"The cookie {name[:60]!r} cannot be sent to a site: its name holds a blank, "
        f'a control character or one of ; , = ". {AGAIN}'
    )


def test_a_value_no_header_can_carry_says_why() -> None:
    with pytest.raises(CookieFormatError) as caught:
        parse_cookie_list([{"name": "sid", "value": "a\nb"}])
    assert str(caught.value) == (
        "The cookie 'sid' cannot be sent to a site: its value holds a line break, a ';' or "
        f"another character no header can carry. {AGAIN}"
    )


def test_a_nameless_cookie_with_an_equals_sign_says_why() -> None:
    with pytest.raises(CookieFormatError) as caught:
        parse_cookie_list([{"name": "", "value": "x=y"}])
    assert str(caught.value) == (
        "A cookie without a name cannot be sent to a site: its value holds '=', so the site "
        f"would read it as another cookie. {AGAIN}"
    )


def test_a_cookies_txt_with_leading_blank_lines_is_recognised_by_its_header() -> None:
    assert is_netscape("\n\n# Netscape HTTP Cookie File\n")


def test_a_lower_case_cookies_txt_header_is_recognised() -> None:
    text = "# netscape http cookie file\n.a.com TRUE / FALSE 0 sid abc\n"
    assert parse_cookies(text) == {"sid": "abc"}


def test_a_row_without_the_tab_before_an_empty_value_is_a_cookies_txt_row() -> None:
    assert parse_cookies(".a.com\tTRUE\t/\tFALSE\t0\tempty") == {"empty": ""}


def test_a_cookies_txt_row_with_an_empty_expiry_is_a_session_cookie() -> None:
    assert parse_cookies("a.com\tFALSE\t/\tFALSE\t\tsid\tv") == {"sid": "v"}


@pytest.mark.parametrize("expires", [True, [], {"at": 1}, None, "soon"])
def test_an_export_entry_with_an_odd_expiry_is_a_session_cookie(expires: object) -> None:
    entry = {"name": "sid", "value": "v", "expirationDate": expires}
    assert parse_cookies(json.dumps([entry])) == {"sid": "v"}


@pytest.mark.parametrize("domain", [None, 5])
def test_a_host_only_entry_without_a_text_domain_goes_with_every_site(domain: object) -> None:
    entry = {"domain": domain, "hostOnly": True, "name": "sid", "value": "v"}
    assert parse_cookie_list([entry], "www.a.com") == {"sid": "v"}


def test_a_path_pasted_with_blanks_around_it_is_read(tmp_path: Path) -> None:
    path = tmp_path / "cookies.txt"
    path.write_text(".a.com\tTRUE\t/\tFALSE\t0\tsid\tv\n", encoding="utf-8")
    assert parse_cookies(f"  {path}  ") == {"sid": "v"}


def test_a_file_with_a_byte_order_mark_and_a_blank_line_is_read(tmp_path: Path) -> None:
    """Notepad writes a BOM; the JSON after it may start on the next line."""
    path = tmp_path / "export.json"
    path.write_bytes(b"\xef\xbb\xbf\n" + json.dumps([{"name": "sid", "value": "v"}]).encode())
    assert parse_cookies(path) == {"sid": "v"}


def test_bytes_of_a_file_that_are_not_utf8_are_replaced(tmp_path: Path) -> None:
    path = tmp_path / "cookies.txt"
    path.write_bytes(b".a.com\tTRUE\t/\tFALSE\t0\tlang\tcaf\xe9\n")
    assert parse_cookies(path) == {"lang": "caf\ufffd"}


def test_a_missing_file_named_by_its_suffix_alone_says_what_the_system_said(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(CookieFormatError) as caught:
        parse_cookies("cookies.txt")
    assert str(caught.value) == (
        f"Cannot read the cookie file 'cookies.txt': No such file or directory. {CHECK}"
    )


def test_a_missing_file_with_a_capital_x_in_its_path_is_still_a_path(tmp_path: Path) -> None:
    path = str(tmp_path / "Export-X.txt")
    with pytest.raises(CookieFormatError) as caught:
        parse_cookies(path)
    shown = repr(path[:200])
    assert str(caught.value) == (
        f"Cannot read the cookie file {shown}: No such file or directory. {CHECK}"
    )


def test_a_path_as_long_as_the_system_allows_is_still_a_path() -> None:
    path = "/" + "a" * 4095
    with pytest.raises(CookieFormatError) as caught:
        parse_cookies(path)
    assert str(caught.value) == (
        f"Cannot read the cookie file {path[:200]!r}: File name too long. {CHECK}"
    )


def test_a_path_under_an_unknown_users_home_says_so() -> None:
    with pytest.raises(CookieFormatError) as caught:
        parse_cookies("~parley-no-such-user/cookies.txt")
    assert str(caught.value) == (
        "Cannot read the cookie file '~parley-no-such-user/cookies.txt': its home folder is "
        f"unknown. {CHECK}"
    )


def test_a_path_with_a_nul_byte_says_so() -> None:
    with pytest.raises(CookieFormatError) as caught:
        parse_cookies("/tmp/cook\x00ies.txt")
    assert str(caught.value) == (
        "Cannot read the cookie file '/tmp/cook\\x00ies.txt': the path holds a NUL or another "
        f"character no file name can hold. {CHECK}"
    )
