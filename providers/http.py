"""HTTP on aiohttp for providers: one session, timeouts, proxies, browser headers, clear errors."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin, urlsplit

import aiohttp

from .errors import (
    AuthenticationError,
    BlockedError,
    MalformedResponseError,
    ProviderError,
    ProviderNotWorkingError,
    ProxyError,
    RateLimitError,
    ResponseStatusError,
)
from .neterrors import translate_error
from .timeouts import Timeouts as Timeouts  # re-exported: providers import it from here
from .tls import verified

if TYPE_CHECKING:
    import ssl

    from .contract import Context

USER_AGENT = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36"
)
EXCERPT_CHARS = 200
EXCERPT_SCAN_CHARS = 65536
"""How much of a body ``excerpt`` reads: an error page's first words are well within it."""
_NOT_TEXT = frozenset({"script", "style"})
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")
ERROR_BODY_BYTES = 65536
_CLOUDFLARE_MARKERS = (
    "<title>just a moment...</title>",
    "cf-please-wait",
    "cf_chl_opt",
    "challenge-platform",
    "attention required! | cloudflare",
)


CREDENTIAL_HEADERS = frozenset(
    {"authorization", "cookie", "x-api-key", "api-key", "x-csrftoken", "x-goog-api-key"}
)
"""Request headers that carry a credential: a request with one never follows a redirect."""


def new_client_session(**kwargs: Any) -> aiohttp.ClientSession:
    """The app's one ``ClientSession``. Its jar keeps no cookies: providers send their own,
    so a cookie from one site never reaches another."""
    kwargs.setdefault("cookie_jar", aiohttp.DummyCookieJar())
    kwargs.setdefault("timeout", Timeouts().client_timeout())
    return aiohttp.ClientSession(**kwargs)


def browser_headers(url: str, *, navigation: bool = False) -> dict[str, str]:
    """Headers a browser sends to ``url``'s site; ``origin``/``referer`` derived from ``url``."""
    parts = urlsplit(url)
    origin = f"{parts.scheme}://{parts.netloc}"
    headers = {
        "user-agent": USER_AGENT,
        "accept-language": "en-US,en;q=0.9",
        "referer": f"{origin}/",
    }
    if navigation:
        headers["accept"] = (
            "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"
        )
        headers["upgrade-insecure-requests"] = "1"
    else:
        headers["accept"] = "*/*"
        headers["origin"] = origin
    return headers


def excerpt(body: str, limit: int = EXCERPT_CHARS) -> str:
    """A short, single-line excerpt of a reply body: an HTML page's title, then its text.

    Linear in the length of ``body``, whatever it holds: only its first
    ``EXCERPT_SCAN_CHARS`` are read, in one pass (``_page_text``); "…" marks a cut.
    """
    title, text = _page_text(body[: max(EXCERPT_SCAN_CHARS, limit)])
    if title and (text == title or text.startswith(title + " ")):
        text = text[len(title) :].lstrip()  # an error page repeats its title as a heading
    if title:
        text = f"{title} — {text}" if text else title
    if text and (len(text) > limit or len(body) > EXCERPT_SCAN_CHARS):
        return text[: limit - 1] + "…"
    return text


def _page_text(page: str) -> tuple[str, str]:
    """The title and the text of an HTML page (or of plain text), whitespace collapsed.

    Tags become spaces; script and style elements and the first title are not text. One
    left-to-right pass of ``str.find``, each search starting where the last one stopped: a
    ``<`` that no ``>`` follows ends the markup (the rest is text), and an element whose end
    tag is missing runs to the end of the page, as in a browser.
    """
    lower = _ascii_lower(page)
    pieces: list[str] = []
    title = ""
    pos = 0
    while (start := page.find("<", pos)) != -1 and (end := page.find(">", start + 1)) != -1:
        pieces.append(page[pos:start])
        name = _tag_name(lower[start + 1 : end])
        pos = end + 1
        if name in _NOT_TEXT or (name == "title" and not title):
            close, pos = _end_tag(lower, name, pos)
            if name == "title":
                title = " ".join(page[end + 1 : close].split())
    pieces.append(page[pos:])
    return title, " ".join(" ".join(pieces).split())


def _ascii_lower(text: str) -> str:
    """``text`` with A-Z lowered and every character where it was (for case-blind finds)."""
    lower = text.lower()
    return lower if len(lower) == len(text) else text.translate(_ASCII_LOWER)


def _tag_name(tag: str) -> str:
    """``script`` for ``<script src=x>``, ``/p`` for ``</p>``: ``tag`` is what ``<>`` hold."""
    words = tag.split(None, 1)
    return words[0].rstrip("/") if words else ""


def _end_tag(lower: str, name: str, pos: int) -> tuple[int, int]:
    """Where the end tag of ``name`` at or after ``pos`` starts and ends, or the page's end."""
    close = lower.find(f"</{name}", pos)
    if close == -1:
        return len(lower), len(lower)
    end = lower.find(">", close)
    return close, len(lower) if end == -1 else end + 1


def is_cloudflare_page(status: int, body: str, headers: Any = None) -> bool:
    if headers is not None and headers.get("cf-mitigated") == "challenge":
        return True
    lowered = body[:20000].lower()
    return status in (403, 429, 503) and any(mark in lowered for mark in _CLOUDFLARE_MARKERS)


async def check_response(response: aiohttp.ClientResponse, provider: str | None = None) -> None:
    """Raise the matching ``ProviderError`` when ``response`` is an error or an anti-bot page."""
    if response.status < 400:
        return
    raw = await _read_head(response.content, ERROR_BODY_BYTES)  # enough to recognise it
    raise status_error(response.status, _decode(raw, response.charset), response.headers, provider)


def _decode(raw: bytes, charset: str | None) -> str:
    """``raw`` in the declared charset, or UTF-8 when none is declared or Python lacks it."""
    try:
        return raw.decode(charset or "utf-8", "replace")
    except LookupError:  # a charset such as "utf8mb4" that is not a Python codec
        return raw.decode("utf-8", "replace")


BODY_LIMIT = 16 << 20
"""A reply read whole (not streamed) larger than this is not one: a page is a few kB."""


async def read_text(response: aiohttp.ClientResponse, limit: int = BODY_LIMIT) -> str:
    """The body as text (its charset, else UTF-8; bad bytes replaced), refusing one over
    ``limit`` bytes, so a hostile server cannot make Parley hold an endless body."""
    declared = response.content_length
    if declared is not None and declared > limit:
        raise _too_large(limit)
    raw = await _read_head(response.content, limit + 1)
    if len(raw) > limit:
        raise _too_large(limit)
    return _decode(raw, response.charset)


def _too_large(limit: int) -> MalformedResponseError:
    return MalformedResponseError(
        f"The service sent a reply larger than {limit >> 20} MiB, which no answer needs, so "
        "Parley stopped reading it."
    )


async def _read_head(content: aiohttp.StreamReader, limit: int) -> bytes:
    """Up to ``limit`` bytes of a body, however many pieces they arrive in."""
    blocks: list[bytes] = []
    size = 0
    while size < limit and (block := await content.read(limit - size)):
        blocks.append(block)
        size += len(block)
    return b"".join(blocks)


def retry_after_seconds(value: str | None) -> float | None:
    """A ``Retry-After`` header in seconds: delay-seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    if value.replace(".", "", 1).isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return float(max(0, round((when - datetime.now(UTC)).total_seconds())))


def _with_excerpt(head: str, body: str) -> str:
    text = excerpt(body)
    return f"{head}: {text}" if text else f"{head}."


def status_error(status: int, body: str, headers: Any, provider: str | None) -> ProviderError:
    """The error a person should see for an HTTP error reply."""
    if is_cloudflare_page(status, body, headers):
        return BlockedError(
            f"The site answered with an anti-bot (Cloudflare) page, HTTP {status}.",
            provider=provider,
        )
    if status == 407:
        return ProxyError(
            "The proxy wants a user name and password (HTTP 407).",
            hint=(
                "Give them in the proxy URL, http://user:password@host:port (in Settings "
                "the password goes to the keyring)."
            ),
            provider=provider,
        )
    if status == 429:
        retry = headers.get("retry-after") if headers is not None else None
        return RateLimitError(
            _with_excerpt("Rate limited by the service (HTTP 429)", body),
            retry_after=retry_after_seconds(retry),
            provider=provider,
        )
    if status == 401:
        return AuthenticationError(
            _with_excerpt("The service rejected the credentials (HTTP 401)", body),
            provider=provider,
        )
    return ResponseStatusError(status, excerpt(body), provider=provider)


class Http:
    """Requests for one provider call: proxy, timeouts, TLS and error translation applied."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        *,
        provider: str | None = None,
        proxy: str | None = None,
        timeouts: Timeouts | None = None,
        tls: ssl.SSLContext | None = None,
    ):
        self.session = session
        self.provider = provider
        self.proxy = proxy
        self.timeouts = timeouts or Timeouts()
        self.tls = None if tls is None else verified(tls)
        """The authorities HTTPS requests trust (``providers.tls``); None: the system's."""

    @asynccontextmanager
    async def request(
        self, method: str, url: str, *, check: bool = True, **kwargs: Any
    ) -> AsyncIterator[aiohttp.ClientResponse]:
        """``async with http.request("POST", url, json=...) as response``.

        With ``check`` an error status raises the matching ``ProviderError``. aiohttp and
        timeout errors raised while the body is read inside the block are translated too.
        A request that carries a credential (``CREDENTIAL_HEADERS``, ``cookies=``) does not
        follow redirects unless told to: aiohttp would resend most of its headers to
        wherever the site points, so a redirect raises instead. Certificates are always
        verified, against ``tls``: an ``ssl=`` given here is replaced.
        """
        kwargs.setdefault("timeout", self.timeouts.client_timeout())
        kwargs["ssl"] = True if self.tls is None else self.tls  # True: aiohttp's verified default
        if self.proxy:
            kwargs.setdefault("proxy", self.proxy)
        guarded = "allow_redirects" not in kwargs and _carries_credentials(kwargs)
        if guarded:
            kwargs["allow_redirects"] = False
        try:
            async with self.session.request(method, url, **kwargs) as response:
                if guarded and 300 <= response.status < 400 and "location" in response.headers:
                    raise _redirect_error(response, self.provider)
                if check:
                    await check_response(response, self.provider)
                yield response
        except ProviderError as error:
            if error.provider is None:  # raised by a reader that was not told the name
                error.provider = self.provider
            raise
        except Exception as error:  # only aiohttp's, SOCKS and timeout errors are translated
            translated = translate_error(error, url, self.timeouts, self.provider)
            if translated is None:
                raise
            raise translated from error


def _carries_credentials(kwargs: dict[str, Any]) -> bool:
    headers = kwargs.get("headers") or {}
    return bool(kwargs.get("cookies")) or any(h.lower() in CREDENTIAL_HEADERS for h in headers)


def _redirect_error(response: aiohttp.ClientResponse, provider: str | None) -> ProviderError:
    location = response.headers["location"]
    try:
        target = urljoin(str(response.url), location)
    except ValueError:  # not a URL: show it as the site sent it
        target = location
    return ProviderNotWorkingError(
        f"The site redirected this request to {target} (HTTP {response.status}); "
        "Parley does not send its credentials on to another address.",
        provider=provider,
        hint="If the site has moved there, set that address as the provider's base URL "
        "(Settings → Providers in the window, or `parley ask --base-url URL`).",
    )


def _proxy_kind(proxy: str | None) -> str:
    if not proxy:
        return "none"
    scheme = urlsplit(proxy).scheme.lower()
    if scheme in ("http", "https"):
        return "http"
    if scheme in ("socks4", "socks4a", "socks5", "socks5h"):
        return "socks"
    raise ProxyError(f"Unsupported proxy {proxy!r}: use http://, https:// or socks5:// URLs.")


def _socks_session(proxy: str) -> aiohttp.ClientSession:
    try:
        from aiohttp_socks import ProxyConnector
    except ImportError as error:
        raise ProxyError(
            "SOCKS proxies need the aiohttp-socks package.",
            hint=(
                "Install it into Parley's environment with `pip install 'parley-desktop[socks]'`,"
                " or use an http:// proxy."
            ),
        ) from error
    # aiohttp-socks knows socks4 and socks5 only; with rdns=True the proxy resolves the host
    # name, which is what socks4a:// and socks5h:// ask for.
    scheme, sep, rest = proxy.partition("://")
    plain = {"socks5h": "socks5", "socks4a": "socks4"}.get(scheme.lower(), scheme)
    try:
        connector = ProxyConnector.from_url(f"{plain}{sep}{rest}", rdns=True)
    except ValueError as error:
        raise ProxyError(f"The proxy URL {proxy!r} cannot be used: {error}.") from None
    return new_client_session(connector=connector)


@asynccontextmanager
async def open_http(
    provider: str | None = None,
    *,
    session: aiohttp.ClientSession | None = None,
    proxy: str | None = None,
    timeouts: Timeouts | None = None,
    tls: ssl.SSLContext | None = None,
) -> AsyncIterator[Http]:
    """An ``Http`` for one provider call, on the app's ``session`` when one is given.

    A SOCKS proxy needs its own connector, so it gets a short-lived session; so do an HTTP
    proxy (see below) and a call made without the app (a script calling a provider directly).
    ``tls`` (the context's, see ``providers.tls``) is what every request verifies with, on
    each of these paths.
    """
    kind = _proxy_kind(proxy)
    if kind == "socks":
        assert proxy is not None
        async with _socks_session(proxy) as own:
            yield Http(own, provider=provider, timeouts=timeouts, tls=tls)
    elif kind == "http":
        # WORKAROUND for https://github.com/aio-libs/aiohttp/issues/6138: tinyproxy (and other
        # HTTP/1.0-minded proxies) close the connection after each reply without saying so;
        # aiohttp reuses it and the next POST fails ("Cannot write to closing transport").
        # Through an HTTP proxy, a short-lived session that never reuses a connection.
        async with new_client_session(connector=aiohttp.TCPConnector(force_close=True)) as own:
            yield Http(own, provider=provider, proxy=proxy, timeouts=timeouts, tls=tls)
    elif session is not None:
        yield Http(session, provider=provider, proxy=proxy, timeouts=timeouts, tls=tls)
    else:
        async with new_client_session() as own:
            yield Http(own, provider=provider, proxy=proxy, timeouts=timeouts, tls=tls)


def http_for(provider: str, context: Context) -> AbstractAsyncContextManager[Http]:
    """``open_http`` with what ``context`` carries: the app's session, proxy, timeouts, TLS."""
    return open_http(
        provider,
        session=context.http,
        proxy=context.proxy,
        timeouts=context.timeouts,
        tls=context.tls,
    )
