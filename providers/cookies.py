"""Cookies from the forms people have: a Cookie header, cookies.txt, a JSON export, a HAR.

Everything here reads outside input: it raises ``CookieFormatError`` and nothing else, in time
linear in the input. A cookie is kept only when it can be sent back in a ``Cookie`` header
unchanged (see ``_unsendable``); an error names the cookie, never its value (values are secrets).
"""

from __future__ import annotations

import json
import os
import re
import time
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ACCEPTED_FORMS = (
    "a Cookie header (`name=value; name2=value2`), a Netscape cookies.txt file, "
    "a browser extension's JSON export (a list of {domain, name, value}) or a HAR file"
)
HTTPONLY_PREFIX = "#HttpOnly_"
_FILE_SUFFIXES = (".txt", ".json", ".har")
_MAX_PATH = 4096
_AGAIN = "Copy the cookies from your browser again, or leave that cookie out."

# Controls (C0 but HTAB, DEL, C1) and lone surrogates, which no Cookie header can carry.
# RFC 6265bis section 5.7 drops a cookie holding a C0 control other than HTAB, or DEL.
_CONTROLS = r"\x00-\x08\x0a-\x1f\x7f-\x9f\ud800-\udfff"
# A name is an RFC 6265 token as browsers and servers read it: no blank, ';', ',', '=' or '"'.
_BAD_IN_NAME = re.compile(rf'[\s;,="{_CONTROLS}]')
# A value may hold quotes, commas, '=' and inner blanks (browsers send them), not ';'.
_BAD_IN_VALUE = re.compile(rf"[;{_CONTROLS}]")
_PIECES = re.compile(r"[;\r\n]")
_LINES = re.compile(r"[\r\n]")


class CookieFormatError(ValueError):
    """The cookies are in none of the accepted forms, or hold none for the site."""


def parse_cookies(
    text_or_path: str | os.PathLike[str], domain: str | None = None
) -> dict[str, str]:
    """A ``name → value`` mapping from cookies in any accepted form (text or a file's path).

    ``domain`` (a host name or a URL) keeps only the cookies a browser would send to that
    host; a Cookie header carries no domain, so it is taken whole.
    """
    text = _read(text_or_path).strip().lstrip("\ufeff")
    if not text:
        raise CookieFormatError(f"No cookies given. Paste {ACCEPTED_FORMS}.")
    host = site_host(domain) if domain else None
    if text[0] in "[{":
        form, cookies = "JSON", parse_json_cookies(_load_json(text), host)
    elif is_netscape(text):
        form, cookies = "cookies.txt", parse_netscape(text, host)
    else:
        form, cookies = "Cookie header", _parse_pasted_header(text)
    if not cookies:
        where = f" for {host}" if host else ""
        raise CookieFormatError(
            f"The {form} holds no cookies{where}. Copy them from a browser signed in to the site."
        )
    return cookies


def cookie_header(cookies: Mapping[str, str]) -> str:
    """The value of a ``Cookie`` request header: ``"a=1; b=2"``; a nameless cookie is its value.

    Raises ``CookieFormatError`` for a cookie no header can carry (a line break, say).
    """
    pairs = []
    for name, value in cookies.items():
        _check(name, value)
        if name or value:
            pairs.append(f"{name}={value}" if name else value)
    return "; ".join(pairs)


def site_host(domain: str) -> str:
    """The lower-case host name of ``domain``, which may be a URL or a cookie domain."""
    candidate = domain.strip()
    host = _url_host(candidate if "://" in candidate else f"//{candidate}").lstrip(".")
    if not host:
        raise CookieFormatError(f"Not a domain or URL: {domain[:100]!r}. Give a host name.")
    return host


def domain_matches(cookie_domain: str, host: str, *, subdomains: bool = True) -> bool:
    """Would a browser send a cookie of ``cookie_domain`` to ``host``? (leading dot ignored)"""
    own = cookie_domain.strip().lower().lstrip(".")
    return bool(own) and (host == own or (subdomains and host.endswith("." + own)))


def parse_cookie_header(text: str) -> dict[str, str]:
    """A Cookie header's value, ``"a=1; b=2"`` (line breaks count as ``;``).

    As in browsers (RFC 6265bis), a pair without ``=`` is a cookie with an empty name.
    """
    cookies: dict[str, str] = {}
    for piece in _PIECES.split(text):
        name, equals, value = piece.partition("=")
        _keep(cookies, name if equals else "", value if equals else name)
    return cookies


def _parse_pasted_header(text: str) -> dict[str, str]:
    """Pasted header lines, each with an optional ``Cookie:`` prefix; one name at least."""
    lines = [_without_prefix(line) for line in _LINES.split(text)]
    cookies = parse_cookie_header("\n".join(lines))
    if cookies.keys() == {""}:
        raise CookieFormatError(
            f"This text is not a Cookie header: it has no name=value pair. Give {ACCEPTED_FORMS}."
        )
    return cookies


def _without_prefix(line: str) -> str:
    """``line`` without a leading ``Cookie:`` (any case, blanks around it)."""
    rest = line.lstrip()
    if rest[:6].lower() != "cookie":
        return line
    rest = rest[6:].lstrip()
    return rest[1:] if rest.startswith(":") else line


def _keep(cookies: dict[str, str], name: str, value: str) -> None:
    """Add one cookie as a browser keeps it (blanks around name and value dropped)."""
    name, value = name.strip(), value.strip()
    if name or value:
        _check(name, value)
        cookies[name] = value


def _check(name: str, value: str) -> None:
    if reason := _unsendable(name, value):
        shown = f"The cookie {name[:60]!r}" if name else "A cookie without a name"
        raise CookieFormatError(f"{shown} cannot be sent to a site: {reason}. {_AGAIN}")


def _unsendable(name: str, value: str) -> str | None:
    """Why a Cookie header cannot carry this cookie unchanged, or None when it can."""
    if _BAD_IN_NAME.search(name):
        return 'its name holds a blank, a control character or one of ; , = "'
    if _BAD_IN_VALUE.search(value):
        return "its value holds a line break, a ';' or another character no header can carry"
    if not name and "=" in value:
        return "its value holds '=', so the site would read it as another cookie"
    return None


def is_netscape(text: str) -> bool:
    """Does ``text`` look like a Netscape cookies.txt (a header comment or tab-separated rows)?"""
    lines = _netscape_lines(text.lstrip())
    if lines and re.match(r"#\s*(Netscape )?HTTP Cookie File", lines[0], re.I):
        return True
    return any(line.count("\t") >= 5 for line in lines)


def parse_netscape(text: str, host: str | None = None) -> dict[str, str]:
    """Rows ``domain, subdomains, path, secure, expires, name, value``, unexpired, for ``host``."""
    cookies: dict[str, str] = {}
    for number, fields in _netscape_rows(text):
        if len(fields) != 7:
            raise CookieFormatError(
                f"Line {number} of the cookies.txt does not have 7 tab-separated fields. "
                "Export the cookies again, or fix that line."
            )
        domain, subdomains, _path, _secure, expires, name, value = fields
        wide = subdomains.upper() == "TRUE" or domain.startswith(".")
        if host and not domain_matches(domain, host, subdomains=wide):
            continue
        if not _expired(expires):
            _keep(cookies, name, value)
    return cookies


def _netscape_lines(text: str) -> list[str]:
    """Lines ended by LF or CRLF only, as curl reads them: ``str.splitlines`` also breaks at
    NEL, VT, FF and U+2028, which may sit inside a row (and turn a comment into a row)."""
    return [line.removesuffix("\r") for line in text.split("\n")]


def _netscape_rows(text: str) -> Iterator[tuple[int, list[str]]]:
    for number, line in enumerate(_netscape_lines(text), start=1):
        if line.startswith(HTTPONLY_PREFIX):
            line = line[len(HTTPONLY_PREFIX) :]
        elif not line.strip() or line.lstrip().startswith("#"):
            continue
        fields = line.split("\t") if "\t" in line else line.split(None, 6)
        if len(fields) == 6:  # some exporters drop the tab before an empty value
            fields.append("")
        yield number, [field.strip() for field in fields]


def _expired(expires: object) -> bool:
    """A positive expiry time (Unix seconds) in the past; 0 or none is a session cookie."""
    seconds = _seconds(expires)
    return seconds is not None and 0 < seconds < time.time()


def _seconds(expires: object) -> float | None:
    """``expires`` as a number; an int stays exact (``float()`` of a huge one overflows)."""
    if isinstance(expires, bool) or not isinstance(expires, int | float | str):
        return None
    if not isinstance(expires, str):
        return expires
    try:
        return float(expires)  # a huge number in text is inf, never an OverflowError
    except ValueError:
        return None


def _load_json(text: str) -> Any:
    try:
        return json.loads(text)
    except RecursionError as error:  # json.loads of input nested ~1,000 deep
        raise CookieFormatError(
            f"The cookies look like JSON but are nested too deeply to be an export. "
            f"Give {ACCEPTED_FORMS}."
        ) from error
    except ValueError as error:
        raise CookieFormatError(
            f"The cookies look like JSON but do not parse. Give {ACCEPTED_FORMS}. ({error})"
        ) from error


def parse_json_cookies(data: Any, host: str | None = None) -> dict[str, str]:
    """A HAR (``{"log": ...}``), an extension export (a list) or ``{"cookies": [...]}``."""
    if isinstance(data, dict) and isinstance(data.get("log"), dict):
        return parse_har(data, host)
    if isinstance(data, dict) and isinstance(data.get("cookies"), list):
        data = data["cookies"]  # Playwright's storage state, and some extensions
    if not isinstance(data, list):
        raise CookieFormatError(f"This JSON is not a cookie export. Give {ACCEPTED_FORMS}.")
    return parse_cookie_list(data, host)


def parse_cookie_list(items: Iterable[Any], host: str | None = None) -> dict[str, str]:
    """Entries ``{domain, name, value, hostOnly?, expirationDate?}`` that apply to ``host``."""
    cookies: dict[str, str] = {}
    for item in items:
        if not isinstance(item, dict) or not isinstance(item.get("name"), str):
            raise CookieFormatError(
                "Every entry of a cookie export needs a name and a value. "
                "Export the cookies again with a browser extension."
            )
        domain = item.get("domain")
        domain = domain if isinstance(domain, str) else ""
        wide = not item.get("hostOnly", False) or domain.startswith(".")
        if host and domain and not domain_matches(domain, host, subdomains=wide):
            continue
        expires = item.get("expirationDate", item.get("expires"))
        if not item.get("session") and _expired(expires):
            continue
        _keep(cookies, item["name"], _value_text(item))
    return cookies


def _value_text(item: Mapping[str, Any]) -> str:
    """An entry's ``value`` as text: missing is empty, a number is written out."""
    value = item.get("value")
    if value is None or isinstance(value, str):
        return value or ""
    if isinstance(value, int | float) and not isinstance(value, bool):
        try:
            return str(value)
        except ValueError:  # an int too long to write out (sys.get_int_max_str_digits)
            pass
    raise CookieFormatError(
        f"The cookie {item['name'][:60]!r} has a value that is not text. "
        "Export the cookies again, or leave that cookie out."
    )


def parse_har(har: Mapping[str, Any], host: str | None = None) -> dict[str, str]:
    """The cookies sent with the HAR's requests to ``host`` (later requests win)."""
    log = har.get("log")
    entries = log.get("entries") if isinstance(log, dict) else None
    if not isinstance(entries, list):
        raise CookieFormatError(
            "This HAR file has no log.entries. Save it again from the browser's Network panel."
        )
    cookies: dict[str, str] = {}
    for entry in entries:
        request = entry.get("request") if isinstance(entry, dict) else None
        if not isinstance(request, dict):
            continue
        if host and not domain_matches(host, _url_host(request.get("url"))):
            continue
        cookies.update(_har_request_cookies(request))
    return cookies


def _url_host(url: object) -> str:
    """The host of ``url``; empty for anything that is not a URL (``http://[::1``, say)."""
    if not isinstance(url, str):
        return ""
    try:
        return urlsplit(url).hostname or ""
    except ValueError:
        return ""


def _har_request_cookies(request: Mapping[str, Any]) -> dict[str, str]:
    cookies: dict[str, str] = {}
    for header in _list(request.get("headers")):
        name = header.get("name") if isinstance(header, dict) else None
        value = header.get("value") if isinstance(header, dict) else None
        if isinstance(name, str) and name.lower() == "cookie" and isinstance(value, str):
            cookies.update(parse_cookie_header(value))
    for item in _list(request.get("cookies")):
        if isinstance(item, dict) and isinstance(item.get("name"), str):
            _keep(cookies, item["name"], _value_text(item))
    return cookies


def _list(value: object) -> list[Any]:
    return value if isinstance(value, list) else []


def _read(text_or_path: str | os.PathLike[str]) -> str:
    """The text itself, or the contents of the file it names."""
    if isinstance(text_or_path, str) and not _names_a_file(text_or_path):
        return text_or_path
    raw = text_or_path.strip() if isinstance(text_or_path, str) else text_or_path
    try:
        path = Path(raw).expanduser()
        regular = path.is_file() or not path.exists()
        text = path.read_text(encoding="utf-8-sig", errors="replace") if regular else None
    except RuntimeError as error:  # expanduser of ~user with no such user
        raise _unreadable(raw, "its home folder is unknown") from error
    except OSError as error:
        raise _unreadable(raw, error.strerror or type(error).__name__) from error
    except ValueError as error:  # a NUL byte, or a name the file system cannot encode
        raise _unreadable(
            raw, "the path holds a NUL or another character no file name can hold"
        ) from error
    if text is None:  # a FIFO or a device (/dev/zero) might never end
        raise _unreadable(raw, "it is a folder or a device, not a file")
    return text


def _unreadable(path: str | os.PathLike[str], reason: str) -> CookieFormatError:
    shown = repr(os.fspath(path)[:200])
    return CookieFormatError(
        f"Cannot read the cookie file {shown}: {reason}. Check the path, or paste the cookies."
    )


def _names_a_file(text: str) -> bool:
    """A path to an existing file, or one that looks like a path (no ``=``, a slash or suffix).

    Pasted JSON (``[...]`` or ``{...}``) and pasted cookies.txt rows (with tabs) are text even
    on one line with slashes in them.
    """
    candidate = text.strip()
    if any(c in candidate for c in "\n\r\t") or len(candidate) > _MAX_PATH:
        return False
    if candidate[:1] in ("[", "{"):
        return False
    if _is_file(candidate):
        return True
    looks_like_path = "/" in candidate or candidate.lower().endswith(_FILE_SUFFIXES)
    return "=" not in candidate and looks_like_path


def _is_file(candidate: str) -> bool:
    try:
        return Path(candidate).expanduser().is_file()
    except (OSError, ValueError, RuntimeError):  # RuntimeError: ~user with no such user
        return False
