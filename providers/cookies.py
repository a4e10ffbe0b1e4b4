"""Cookies from the forms people have: a Cookie header, cookies.txt, a JSON export, a HAR."""

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
_NAME = re.compile(r"[^\s;,=\"]+")


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
        form, cookies = "Cookie header", parse_cookie_header(text)
    if not cookies:
        where = f" for {host}" if host else ""
        raise CookieFormatError(f"The {form} holds no cookies{where}.")
    return cookies


def cookie_header(cookies: Mapping[str, str]) -> str:
    """The value of a ``Cookie`` request header: ``"a=1; b=2"``."""
    return "; ".join(f"{name}={value}" for name, value in cookies.items())


def site_host(domain: str) -> str:
    """The lower-case host name of ``domain``, which may be a URL or a cookie domain."""
    candidate = domain.strip()
    parts = urlsplit(candidate if "://" in candidate else f"//{candidate}")
    host = (parts.hostname or "").lstrip(".")
    if not host:
        raise CookieFormatError(f"Not a domain or URL: {domain!r}.")
    return host


def domain_matches(cookie_domain: str, host: str, *, subdomains: bool = True) -> bool:
    """Would a browser send a cookie of ``cookie_domain`` to ``host``? (leading dot ignored)"""
    own = cookie_domain.strip().lower().lstrip(".")
    return bool(own) and (host == own or (subdomains and host.endswith("." + own)))


def parse_cookie_header(text: str) -> dict[str, str]:
    """``"Cookie: a=1; b=2"`` (the ``Cookie:`` prefix optional; lines count as ``;``)."""
    body = re.sub(r"^\s*cookie\s*:", "", text, flags=re.I)
    cookies: dict[str, str] = {}
    for piece in re.split(r"[;\r\n]", body):
        name, equals, value = piece.strip().partition("=")
        if not piece.strip():
            continue
        if not equals or not _NAME.fullmatch(name.strip()):
            raise CookieFormatError(f"Not a cookie: {piece.strip()[:40]!r}. Give {ACCEPTED_FORMS}.")
        cookies[name.strip()] = value.strip()
    return cookies


def is_netscape(text: str) -> bool:
    """Does ``text`` look like a Netscape cookies.txt (a header comment or tab-separated rows)?"""
    first = text.lstrip().splitlines()[0]
    if re.match(r"#\s*(Netscape )?HTTP Cookie File", first, re.I):
        return True
    return any(line.count("\t") >= 5 for line in text.splitlines())


def parse_netscape(text: str, host: str | None = None) -> dict[str, str]:
    """Rows ``domain, subdomains, path, secure, expires, name, value``, unexpired, for ``host``."""
    cookies: dict[str, str] = {}
    for number, fields in _netscape_rows(text):
        if len(fields) != 7:
            raise CookieFormatError(
                f"Line {number} of the cookies.txt does not have 7 tab-separated fields."
            )
        domain, subdomains, _path, _secure, expires, name, value = fields
        wide = subdomains.upper() == "TRUE" or domain.startswith(".")
        if host and not domain_matches(domain, host, subdomains=wide):
            continue
        if not _expired(expires):
            cookies[name] = value
    return cookies


def _netscape_rows(text: str) -> Iterator[tuple[int, list[str]]]:
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.rstrip("\r\n")
        if line.startswith(HTTPONLY_PREFIX):
            line = line[len(HTTPONLY_PREFIX) :]
        elif not line.strip() or line.lstrip().startswith("#"):
            continue
        fields = line.split("\t") if "\t" in line else line.split(None, 6)
        if len(fields) == 6:  # some exporters drop the tab before an empty value
            fields.append("")
        yield number, [field.strip() for field in fields]


def _expired(expires: Any) -> bool:
    """A positive expiry time (Unix seconds) in the past; 0 or none is a session cookie."""
    try:
        seconds = float(expires)
    except (TypeError, ValueError):
        return False
    return 0 < seconds < time.time()


def _load_json(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError as error:
        raise CookieFormatError(
            f"The cookies look like JSON but do not parse ({error}). Give {ACCEPTED_FORMS}."
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
            raise CookieFormatError("Every entry of a cookie export needs a name and a value.")
        domain = str(item.get("domain") or "")
        wide = not item.get("hostOnly", False) or domain.startswith(".")
        if host and domain and not domain_matches(domain, host, subdomains=wide):
            continue
        expires = item.get("expirationDate", item.get("expires"))
        if not item.get("session") and _expired(expires):
            continue
        cookies[item["name"]] = str(item.get("value", ""))
    return cookies


def parse_har(har: Mapping[str, Any], host: str | None = None) -> dict[str, str]:
    """The cookies sent with the HAR's requests to ``host`` (later requests win)."""
    entries = har.get("log", {}).get("entries")
    if not isinstance(entries, list):
        raise CookieFormatError("This HAR file has no log.entries.")
    cookies: dict[str, str] = {}
    for entry in entries:
        request = entry.get("request") if isinstance(entry, dict) else None
        if not isinstance(request, dict):
            continue
        target = urlsplit(str(request.get("url", ""))).hostname or ""
        if host and not domain_matches(host, target):
            continue
        cookies.update(_har_request_cookies(request))
    return cookies


def _har_request_cookies(request: Mapping[str, Any]) -> dict[str, str]:
    cookies: dict[str, str] = {}
    for header in request.get("headers") or []:
        if isinstance(header, dict) and str(header.get("name", "")).lower() == "cookie":
            cookies.update(parse_cookie_header(str(header.get("value", ""))))
    for item in request.get("cookies") or []:
        if isinstance(item, dict) and isinstance(item.get("name"), str):
            cookies[item["name"]] = str(item.get("value", ""))
    return cookies


def _read(text_or_path: str | os.PathLike[str]) -> str:
    """The text itself, or the contents of the file it names."""
    if isinstance(text_or_path, str) and not _names_a_file(text_or_path):
        return text_or_path
    raw = text_or_path.strip() if isinstance(text_or_path, str) else text_or_path
    path = Path(raw).expanduser()
    try:
        return path.read_text(encoding="utf-8-sig", errors="replace")
    except OSError as error:
        raise CookieFormatError(f"Cannot read the cookie file {path}: {error.strerror}.") from error


def _names_a_file(text: str) -> bool:
    """A path to an existing file, or one that looks like a path (no ``=``, a slash or suffix).

    Pasted JSON (``[...]`` or ``{...}``) is text even on one line with slashes in it.
    """
    candidate = text.strip()
    if "\n" in candidate or len(candidate) > 4096 or candidate[:1] in ("[", "{"):
        return False
    try:
        if Path(candidate).expanduser().is_file():
            return True
    except (OSError, ValueError):
        return False
    looks_like_path = "/" in candidate or candidate.lower().endswith(_FILE_SUFFIXES)
    return "=" not in candidate and looks_like_path
