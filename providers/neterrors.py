"""Network failures in our words: aiohttp, SOCKS, TLS and OS errors become ``ProviderError``s.

Never ``str(error)``: Python's and asyncio's texts ("Connect call failed ('127.0.0.1', 80)")
are not for users. The original error stays chained, for a log.
"""

from __future__ import annotations

import asyncio
import errno
import os
import socket
import ssl
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import aiohttp

from .errors import (
    ConnectTimeoutError,
    IdleTimeoutError,
    MalformedResponseError,
    ProviderError,
    ProviderNotWorkingError,
    ProviderTimeoutError,
    ProxyError,
    StreamCutError,
)

if TYPE_CHECKING:
    from .timeouts import Timeouts


def translate_error(
    error: BaseException, url: str, timeouts: Timeouts, provider: str | None
) -> ProviderError | None:
    """Our error for an aiohttp, SOCKS or timeout error, or None when ``error`` is not one."""
    host = urlsplit(url).netloc or url
    message = _connect_error(error, host, timeouts) or _read_error(error, host, timeouts)
    if message is None:
        return None
    kind, text = message
    return kind(text, provider=provider)


_Message = tuple[type[ProviderError], str]

_REFUSED = "nothing is listening at that address"


_ERRNO_ROWS = (
    ("ECONNREFUSED WSAECONNREFUSED", _REFUSED),
    ("ENETUNREACH WSAENETUNREACH ENETDOWN WSAENETDOWN", "the network is unreachable from here"),
    ("EHOSTUNREACH WSAEHOSTUNREACH EHOSTDOWN", "that host is unreachable from here"),
    ("ECONNRESET WSAECONNRESET", "the other side reset the connection"),
    ("ECONNABORTED WSAECONNABORTED", "the connection was aborted"),
    ("EPIPE", "the other side closed the connection"),
    ("ETIMEDOUT WSAETIMEDOUT", "the connection timed out"),
    ("EACCES EPERM WSAEACCES", "this system does not allow the connection (a firewall?)"),
)
# {errno: reason} for the names this system's errno has (WSA* on Windows); built at import,
# outside any function, so no planted bug runs before a test can see it.
_ERRNO_REASONS = {
    getattr(errno, name): reason
    for names, reason in _ERRNO_ROWS
    for name in names.split()
    if hasattr(errno, name)
}
_SOCKS5_REPLIES = {  # RFC 1928, section 6
    1: "the proxy failed (a general SOCKS server failure)",
    2: "the proxy's rules do not allow that connection",
    3: "the network is unreachable from the proxy",
    4: "that host is unreachable from the proxy",
    5: _REFUSED,
    6: "the proxy's connection timed out",
    7: "the proxy does not support this kind of request",
    8: "the proxy does not support this kind of address",
}


def _os_reason(error: BaseException | None) -> str:
    """Our words for why a connection failed; the system's words only for an unknown errno.

    Never ``str(error)``: asyncio's is "Connect call failed ('127.0.0.1', 80)".
    """
    if isinstance(error, socket.gaierror):
        if error.errno == getattr(socket, "EAI_AGAIN", None):
            return "the host name could not be looked up (is this computer online?)"
        return "the host name could not be found"
    if isinstance(error, aiohttp.ClientConnectionResetError):  # no errno: aiohttp's own
        return "the connection closed while the request was being sent"
    code = getattr(error, "errno", None)
    if not isinstance(code, int):
        return "the connection failed"
    return _ERRNO_REASONS.get(code) or f"the connection failed ({os.strerror(code)})"


def _tls_reason(cause: BaseException | None) -> str:
    """Why a TLS handshake failed (``cause``, ssl's error): our words, then OpenSSL's
    reason code."""
    if isinstance(cause, ssl.SSLCertVerificationError):
        detail = "; ".join(part for part in (cause.verify_message, cause.reason) if part)
        return f"its certificate could not be verified ({detail})"
    reason = getattr(cause, "reason", None)
    if reason == "WRONG_VERSION_NUMBER":  # an https:// address for a plain-HTTP server
        return "the server there does not seem to speak TLS (an http:// address?)"
    return f"the handshake failed ({reason})" if reason else "the handshake failed"


def _is_socks_error(error: BaseException) -> bool:
    """aiohttp-socks and python-socks raise their own classes, not aiohttp's."""
    return type(error).__module__.partition(".")[0] in ("aiohttp_socks", "python_socks")


def _socks_message(error: BaseException, host: str) -> str:
    """aiohttp-socks re-raises python-socks' errors by name, the first with an errno cause."""
    kind = type(error).__name__
    if kind == "ProxyConnectionError":
        cause = error if isinstance(error, OSError) else error.__cause__
        return f"Could not connect to the SOCKS proxy: {_os_reason(cause)}."
    if kind == "ProxyTimeoutError":
        return "The SOCKS proxy did not answer in time."
    if kind == "ProxyError":
        reason = _SOCKS5_REPLIES.get(getattr(error, "error_code", None) or 0)
        return f"The SOCKS proxy could not connect to {host}: {reason or _socks_refusal(error)}."
    return f"Could not use the SOCKS proxy to reach {host}."


def _socks_refusal(error: BaseException) -> str:
    """python-socks' words for the proxy's answer (a SOCKS4 code, a failed login) after ours."""
    root = error
    for _ in range(4):  # aiohttp-socks' error, from python-socks', from the reply's
        if root.__cause__ is None or type(root).__name__ == "ReplyError":
            break  # python-socks' ReplyError words the answer; what it came from is Python's
        root = root.__cause__
    if type(root).__name__ == "IncompleteReadError":
        return "it closed the connection in the middle of its answer"
    detail = str(root).strip().rstrip(".")  # python-socks' ReplyError holds the answer's meaning
    return f"it refused the request ({detail})" if detail else "it refused the request"


def _connect_error(error: BaseException, host: str, timeouts: Timeouts) -> _Message | None:
    if isinstance(error, aiohttp.ConnectionTimeoutError):
        return ConnectTimeoutError, f"Could not connect to {host} within {timeouts.connect:g} s."
    if _is_socks_error(error):
        return ProxyError, _socks_message(error, host)
    if isinstance(error, aiohttp.ClientProxyConnectionError):
        proxy = f"{error.host}:{error.port}"
        return ProxyError, f"Could not connect to the proxy {proxy}: {_os_reason(error.os_error)}."
    if isinstance(error, aiohttp.ClientHttpProxyError):
        return ProxyError, f"The proxy refused to connect to {host} (HTTP {error.status})."
    if isinstance(error, aiohttp.ClientSSLError):
        reason = _tls_reason(error.os_error)
        return ProviderError, f"The secure connection to {host} failed: {reason}."
    if isinstance(error, aiohttp.ClientOSError) and isinstance(error.__cause__, ssl.SSLError):
        # Through a SOCKS proxy aiohttp-socks makes the handshake, and aiohttp wraps its
        # error as a plain OSError (errno 1, which would read as "not allowed").
        reason = _tls_reason(error.__cause__)
        return ProviderError, f"The secure connection to {host} failed: {reason}."
    if isinstance(error, aiohttp.ClientConnectorError):
        return ProviderNotWorkingError, f"Could not reach {host}: {_os_reason(error.os_error)}."
    return None


def _read_error(error: BaseException, host: str, timeouts: Timeouts) -> _Message | None:
    if isinstance(error, aiohttp.SocketTimeoutError):
        return IdleTimeoutError, f"{host} sent nothing for {timeouts.idle:g} s."
    if isinstance(error, aiohttp.ClientPayloadError | aiohttp.ServerDisconnectedError):
        return StreamCutError, f"The connection to {host} closed in the middle of the reply."
    if isinstance(error, asyncio.TimeoutError | TimeoutError):
        return ProviderTimeoutError, f"{host} did not answer in time."
    if isinstance(error, asyncio.IncompleteReadError):  # python-socks lets a cut one through
        text = f"The connection to {host} (or to its proxy) closed in the middle of an answer."
        return ProviderError, text
    if isinstance(error, aiohttp.ClientError):
        return _client_error(error, host)
    return None


def _client_error(error: aiohttp.ClientError, host: str) -> _Message:
    """The other aiohttp errors, in our words (``error`` stays chained, for a log)."""
    if isinstance(error, aiohttp.InvalidURL):
        return ProviderError, f"{error.url} is not a valid address; check the provider's base URL."
    if isinstance(error, aiohttp.TooManyRedirects):
        return ProviderError, f"{host} redirected the request too many times."
    if isinstance(error, aiohttp.ContentTypeError):
        return MalformedResponseError, f"{host} sent a reply whose content type is not JSON."
    if isinstance(error, aiohttp.ClientResponseError):
        return ProviderError, f"{host} sent a reply that is not valid HTTP."
    if isinstance(error, OSError):
        return ProviderError, f"The connection to {host} failed: {_os_reason(error)}."
    return ProviderError, f"Network error talking to {host}."
