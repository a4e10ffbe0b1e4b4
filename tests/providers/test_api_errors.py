"""The API providers' errors word for word: each status and body shape, and errors in a stream.

``api_error`` and ``stream_error`` are what every API provider (OpenAI-compatible, Anthropic,
Gemini, Ollama) raises; the sentence, the error's kind, its status and its wait are what the
window shows and what the retry and the fallback decide by.
"""

from __future__ import annotations

from typing import Any

import pytest
from multidict import CIMultiDict

from providers.api import api_error, error_text, stream_error
from providers.errors import ProviderError
from providers.presets import OPENAI

CHECK_KEY = "Check the key for OpenAI in Settings → Providers (or `parley keys set`)."
MAY_NOT = (
    "Your key may not be allowed to use this model or this service; check your account's "
    "permissions."
)
SHORTEN = "Start a new conversation, shorten this one, or pick a model with a longer context."
PICK = (
    "Pick a model from the refreshed model list, or check the base URL (https://api.openai.com/v1)."
)
LATER = "Try again in a moment, or pick another provider."
KEPT = "The text received so far is kept; try again to get the rest."
BLOCKED = (
    "OpenAI: The site answered with an anti-bot (Cloudflare) page, HTTP 403. The site blocks "
    "automated clients from this address; try again later, use a proxy, or pick another provider."
)


def shown(error: ProviderError) -> tuple[str, str, int | None, float | None]:
    """What a person and the retry see of an error: its type, sentence, status and wait."""
    return type(error).__name__, str(error), error.status, error.retry_after


def replied(
    status: int, body: str, headers: dict[str, str] | None = None, **where: str
) -> tuple[str, str, int | None, float | None]:
    """The error for an HTTP reply, with headers as aiohttp gives them (any case)."""
    where = where or {"model": "gpt-4o", "path": "/chat/completions"}
    return shown(api_error(status, body, CIMultiDict(headers or {}), OPENAI, **where))


def test_a_rejected_key_quotes_the_service_and_says_where_to_fix_it() -> None:
    body = (
        '{"error": {"message": "Incorrect API key provided: sk-...1234.", "type": '
        '"invalid_request_error", "param": null, "code": "invalid_api_key"}}'
    )
    assert replied(401, body) == (
        "AuthenticationError",
        "OpenAI: The API key was rejected (HTTP 401): Incorrect API key provided: sk-...1234. "
        + CHECK_KEY,
        401,
        None,
    )


def test_a_rejected_key_with_no_body_still_says_what_happened() -> None:
    assert replied(401, "") == (
        "AuthenticationError",
        f"OpenAI: The API key was rejected (HTTP 401). {CHECK_KEY}",
        401,
        None,
    )


@pytest.mark.parametrize(
    "body",
    [
        # Gemini answers in a one-item list, and names the key in its message
        '[{"error": {"code": 403, "message": "The request is missing a valid API key.", '
        '"status": "PERMISSION_DENIED"}}]',
        # the key named only in the error's code
        '{"error": {"message": "The request is missing a valid API key.", '
        '"code": "invalid_api_key"}}',
    ],
)
def test_a_403_about_the_key_is_a_rejected_key(body: str) -> None:
    assert replied(403, body) == (
        "AuthenticationError",
        "OpenAI: The API key was rejected (HTTP 403): The request is missing a valid API key. "
        + CHECK_KEY,
        403,
        None,
    )


def test_a_403_named_by_the_status_of_a_listed_error_is_a_rejected_key() -> None:
    body = (
        '[{"error": {"code": 403, "message": "Permission denied.", '
        '"status": "API_KEY_SERVICE_BLOCKED"}}]'
    )
    assert replied(403, body) == (
        "AuthenticationError",
        f"OpenAI: The API key was rejected (HTTP 403): Permission denied. {CHECK_KEY}",
        403,
        None,
    )


def test_an_indented_error_body_is_still_read_for_its_kind() -> None:
    body = ' \n{"error": {"message": "Too long.", "code": "context_length_exceeded"}}'
    assert replied(400, body) == (
        "ContextLengthError",
        "OpenAI: The conversation is longer than the model's context (HTTP 400): Too long. "
        + SHORTEN,
        400,
        None,
    )


def test_a_403_named_by_its_code_alone_is_a_rejected_key() -> None:
    body = '{"error": {"message": "Denied.", "type": "forbidden", "code": "API_KEY_INVALID"}}'
    assert replied(403, body) == (
        "AuthenticationError",
        f"OpenAI: The API key was rejected (HTTP 403): Denied. {CHECK_KEY}",
        403,
        None,
    )


def test_a_403_about_something_else_says_access_was_refused() -> None:
    body = (
        '{"error": {"message": "Project does not have access to model gpt-4o", '
        '"type": "invalid_request_error", "code": "model_not_found"}}'
    )
    assert replied(403, body) == (
        "AuthenticationError",
        "OpenAI: Access was refused (HTTP 403): Project does not have access to model gpt-4o. "
        + MAY_NOT,
        403,
        None,
    )
    assert replied(403, "") == (
        "AuthenticationError",
        f"OpenAI: Access was refused (HTTP 403). {MAY_NOT}",
        403,
        None,
    )


OPENAI_CONTEXT = (
    '{"error": {"message": "This model\'s maximum context length is 8192 tokens. However, '
    'your messages resulted in 9000 tokens.", "type": "invalid_request_error", '
    '"code": "context_length_exceeded"}}'
)


@pytest.mark.parametrize(
    ("status", "body", "said"),
    [
        (
            400,
            OPENAI_CONTEXT,
            "This model's maximum context length is 8192 tokens. However, your messages "
            "resulted in 9000 tokens.",
        ),
        # vLLM and others: the kind only in the code
        (
            422,
            '{"error": {"message": "Too long.", "type": "invalid_request_error", '
            '"code": "context_length_exceeded"}}',
            "Too long.",
        ),
        # Anthropic's request_too_large, in its own shape
        (
            413,
            '{"type": "error", "error": {"type": "request_too_large", "message": '
            '"Request exceeds the maximum allowed number of bytes."}}',
            "Request exceeds the maximum allowed number of bytes.",
        ),
    ],
)
def test_a_conversation_too_long_for_the_model_says_so(status: int, body: str, said: str) -> None:
    assert replied(status, body) == (
        "ContextLengthError",
        f"OpenAI: The conversation is longer than the model's context (HTTP {status}): {said} "
        + SHORTEN,
        status,
        None,
    )


def test_a_request_too_large_is_a_context_error_with_its_own_words() -> None:
    assert replied(413, "Request Entity Too Large") == (
        "ContextLengthError",
        "OpenAI: The request is too large for the service (HTTP 413): Request Entity Too Large. "
        + SHORTEN,
        413,
        None,
    )
    assert replied(413, "") == (
        "ContextLengthError",
        f"OpenAI: The request is too large for the service (HTTP 413). {SHORTEN}",
        413,
        None,
    )


def test_a_400_about_something_else_is_the_services_refusal() -> None:
    body = (
        '{"error": {"message": "Invalid value for temperature.", "type": "invalid_request_error"}}'
    )
    assert replied(400, body) == (
        "ResponseStatusError",
        "OpenAI: The service answered HTTP 400: Invalid value for temperature. The site did not "
        "accept the request; it may have changed how it works.",
        400,
        None,
    )


def test_context_words_in_a_server_error_do_not_make_it_a_context_error() -> None:
    assert replied(500, '{"error": {"message": "prompt is too long"}}') == (
        "ResponseStatusError",
        "OpenAI: The service answered HTTP 500: prompt is too long. The site has a problem on its "
        "side; try again later, or pick another provider.",
        500,
        None,
    )


def test_an_unknown_model_is_named_with_the_path_it_was_asked_at() -> None:
    body = (
        '{"error": {"message": "The model `gpt-9` does not exist or you do not have access to '
        'it.", "type": "invalid_request_error", "code": "model_not_found"}}'
    )
    assert replied(404, body, model="gpt-9", path="/chat/completions") == (
        "NotFoundError",
        "OpenAI: There is no model “gpt-9” here, or no path /chat/completions (HTTP 404): The "
        f"model `gpt-9` does not exist or you do not have access to it. {PICK}",
        404,
        None,
    )


def test_a_missing_path_is_named_when_no_model_was_asked_for() -> None:
    assert replied(404, "404 page not found", path="/models") == (
        "NotFoundError",
        f"OpenAI: There is no path /models here (HTTP 404): 404 page not found. {PICK}",
        404,
        None,
    )
    assert replied(404, "", path="/models") == (
        "NotFoundError",
        f"OpenAI: There is no path /models here (HTTP 404). {PICK}",
        404,
        None,
    )


def test_a_rate_limit_keeps_the_wait_the_service_asked_for() -> None:
    body = (
        '{"error": {"message": "Rate limit reached for gpt-4o", "type": "requests", '
        '"code": "rate_limit_exceeded"}}'
    )
    assert replied(429, body, {"Retry-After": "20"}) == (
        "RateLimitError",
        "OpenAI: Too many requests (HTTP 429): Rate limit reached for gpt-4o. Wait and try again "
        "in 20 s, or pick another provider.",
        429,
        20.0,
    )


def test_a_rate_limit_without_headers_says_to_wait_a_minute() -> None:
    error = api_error(429, "", None, OPENAI, model="gpt-4o", path="/chat/completions")
    assert shown(error) == (
        "RateLimitError",
        "OpenAI: Too many requests (HTTP 429). Wait and try again in a minute, or pick another "
        "provider.",
        429,
        None,
    )


@pytest.mark.parametrize(
    ("status", "body", "said"),
    [
        (
            529,
            '{"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}',
            ": Overloaded.",
        ),
        (529, "", "."),
        # the kind alone says it, whatever the status
        (
            503,
            '{"error": {"message": "Try again later", "type": "overloaded_error"}}',
            ": Try again later.",
        ),
    ],
)
def test_an_overloaded_service_says_to_try_again(status: int, body: str, said: str) -> None:
    assert replied(status, body) == (
        "OverloadedError",
        f"OpenAI: The service is overloaded (HTTP {status}){said} {LATER}",
        status,
        None,
    )


@pytest.mark.parametrize(
    ("status", "body", "sentence"),
    [
        (
            500,
            "Internal Server Error: boom",
            "OpenAI: The service answered HTTP 500: Internal Server Error: boom. The site has a "
            "problem on its side; try again later, or pick another provider.",
        ),
        (
            405,
            "405: Method Not Allowed",
            "OpenAI: The service answered HTTP 405: 405: Method Not Allowed. Check the provider's "
            "base URL; the site may have moved or changed.",
        ),
        (
            402,
            '{"error": {"message": "Insufficient credits"}}',
            "OpenAI: The service answered HTTP 402: Insufficient credits. The site did not accept "
            "the request; it may have changed how it works.",
        ),
    ],
)
def test_other_statuses_quote_the_service(status: int, body: str, sentence: str) -> None:
    assert replied(status, body) == ("ResponseStatusError", sentence, status, None)


def test_a_cloudflare_page_is_a_block_not_a_refused_key() -> None:
    page = "<html><head><title>Just a moment...</title></head><body>Checking</body></html>"
    assert replied(403, page) == ("BlockedError", BLOCKED, 403, None)


def test_a_cloudflare_challenge_header_is_a_block_whatever_the_body() -> None:
    assert replied(403, "", {"cf-mitigated": "challenge"}) == ("BlockedError", BLOCKED, 403, None)


@pytest.mark.parametrize(
    ("body", "said"),
    [
        ('{"error": {"message": "bad model"}}', "bad model"),
        ('  \n{"error": {"message": "indented"}}', "indented"),
        ('[{"error": {"message": "from a list"}}]', "from a list"),
        ('{"error": "model \'x\' not found"}', "model 'x' not found"),  # Ollama
        ('{"detail": "Not Found"}', "Not Found"),  # FastAPI servers (vLLM)
        ('{"message": "at the top"}', "at the top"),
        ('{"error": {"detail": "in detail"}}', "in detail"),
        ('{"error": {"msg": "in msg"}}', "in msg"),
        ('{"error": {"message": "  ", "type": "server_error"}}', "server_error"),
        ('{"error": {"code": 500}}', "500"),
        ('{"error": {"status": "UNAVAILABLE"}}', "UNAVAILABLE"),
        ('{"error": {"code": null}}', '{"error": {"code": null}}'),
        ('{"error": 42}', '{"error": 42}'),
        ("[]", "[]"),
        ("{not json", "{not json"),
        (
            "<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1>"
            "<hr><center>nginx</center></body></html>",
            "502 Bad Gateway — nginx",
        ),
    ],
)
def test_the_services_own_words_are_found_in_each_shape_of_error(body: str, said: str) -> None:
    assert error_text(body) == said


BIG = 65536
"""How much of an error body is read as JSON (more is shown as text, in linear time)."""


def _long_error(size: int, **fields: str) -> str:
    tail = "".join(f', "{key}": "{value}"' for key, value in fields.items())
    filler = size - len('{"error": {"message": ""}}') - len(tail)
    return '{"error": {"message": "' + "x" * filler + '"' + tail + "}}"


def test_an_error_body_is_read_as_json_up_to_64_kib() -> None:
    assert error_text(_long_error(BIG)) == "x" * 199 + "…"
    assert error_text(_long_error(BIG + 1)) == '{"error": {"message": "' + "x" * 176 + "…"


def test_an_error_code_is_read_up_to_64_kib() -> None:
    code = {"code": "context_length_exceeded"}
    assert replied(400, _long_error(BIG, **code))[0] == "ContextLengthError"
    assert replied(400, _long_error(BIG + 1, **code))[0] == "ResponseStatusError"


# Errors sent inside a 200 stream.


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (
            {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}},
            ("OverloadedError", f"The service is overloaded and stopped the reply: Overloaded. "
             f"{LATER}", None),
        ),
        (
            {"error": {"message": "Busy", "type": "overloaded_error"}},
            ("OverloadedError", f"The service is overloaded and stopped the reply: Busy. {LATER}",
             None),
        ),
        (
            {"error": {"message": "prompt is too long: 210000 tokens > 200000 maximum"}},
            ("ContextLengthError", "The conversation is longer than the model's context: prompt "
             f"is too long: 210000 tokens > 200000 maximum. {SHORTEN}", None),
        ),
        (
            {"error": {"message": "Stopped", "code": "context_length_exceeded"}},
            ("ContextLengthError", "The conversation is longer than the model's context: "
             f"Stopped. {SHORTEN}", None),
        ),
        (
            {"error": {"message": "Slow down", "code": 429}},
            ("RateLimitError", "Too many requests: Slow down. Wait and try again in a minute, or "
             "pick another provider.", 429),
        ),
        (
            {"error": {"message": "Slow down", "type": "rate_limit_error"}},
            ("RateLimitError", "Too many requests: Slow down. Wait and try again in a minute, or "
             "pick another provider.", 429),
        ),
        (
            {"error": {"message": "Upstream provider error", "code": 502}},
            ("ProviderError", "The service sent an error in the middle of the reply: Upstream "
             f"provider error. {KEPT}", 502),
        ),
        (
            {"type": "error", "error": {"type": "api_error", "message": "Internal server error"}},
            ("ProviderError", "The service sent an error in the middle of the reply: Internal "
             f"server error. {KEPT}", None),
        ),
        (
            {"error": "boom"},
            ("ProviderError", f"The service sent an error in the middle of the reply: boom. {KEPT}",
             None),
        ),
        (
            {"error": {}},
            ("ProviderError", "The service sent an error in the middle of the reply: no details. "
             f"{KEPT}", None),
        ),
        (
            {"error": 5},
            ("ProviderError", "The service sent an error in the middle of the reply: no details. "
             f"{KEPT}", None),
        ),
    ],
)  # fmt: skip
def test_an_error_in_a_stream_says_what_happened(
    value: dict[str, Any], expected: tuple[str, str, int | None]
) -> None:
    kind, sentence, status = expected
    assert shown(stream_error(value, OPENAI)) == (kind, f"OpenAI: {sentence}", status, None)


@pytest.mark.parametrize(
    ("code", "status"),
    [(400, 400), (503, 503), (599, 599), (600, None), (399, None), ("502", None)],
)
def test_an_error_in_a_stream_keeps_its_code_when_it_is_an_http_status(
    code: object, status: int | None
) -> None:
    error = stream_error({"error": {"message": "failed", "code": code}}, OPENAI)
    assert (type(error).__name__, error.status) == ("ProviderError", status)


def test_a_proxy_asking_for_its_password_is_the_proxys_refusal_not_the_services() -> None:
    kind, sentence, _, _ = replied(407, "Proxy authentication required")
    assert kind == "ProxyError"
    assert sentence == (
        "OpenAI: The proxy wants a user name and password (HTTP 407). Give them in the proxy "
        "URL, http://user:password@host:port (in Settings the password goes to the keyring)."
    )
