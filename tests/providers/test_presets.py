"""The built-in OpenAI-compatible endpoints as a user sees them: name, label, address, where the
key comes from, and the models offered when the service's own list cannot be fetched."""

from __future__ import annotations

from providers.contract import Provider
from providers.presets import (
    DEEPSEEK,
    FIREWORKS,
    GROQ,
    LLAMA_CPP,
    LM_STUDIO,
    LOCAL,
    MISTRAL,
    OLLAMA_OPENAI,
    OPENAI,
    OPENAI_COMPATIBLE,
    OPENROUTER,
    TOGETHER,
    VLLM,
    XAI,
)

SERVICES = (OPENAI, OPENROUTER, GROQ, DEEPSEEK, MISTRAL, TOGETHER, XAI, FIREWORKS)


def row(provider: Provider) -> tuple[object, ...]:
    """One preset as the provider list and the key settings show it."""
    return (
        provider.name,
        provider.get_label(),
        provider.url,
        provider.needs_auth,
        provider.credential_kinds if provider.needs_auth else (),
        provider.key_env,
        provider.local,
        provider.default_model,
        provider.get_models(),
    )


def test_each_service_has_its_address_key_variable_and_fallback_models() -> None:
    key = ("api_key",)
    assert [row(p) for p in SERVICES] == [
        (
            "OpenAI", "OpenAI", "https://api.openai.com/v1", True, key, ("OPENAI_API_KEY",),
            False, "gpt-4o-mini",
            ["gpt-4o-mini", "gpt-4o", "gpt-4.1", "gpt-4.1-mini", "o3-mini", "o4-mini"],
        ),
        (
            "OpenRouter", "OpenRouter", "https://openrouter.ai/api/v1", True, key,
            ("OPENROUTER_API_KEY",), False, "openrouter/auto",
            ["openrouter/auto", "openai/gpt-4o-mini", "anthropic/claude-sonnet-4",
             "google/gemini-2.5-flash"],
        ),
        (
            "Groq", "Groq", "https://api.groq.com/openai/v1", True, key, ("GROQ_API_KEY",),
            False, "llama-3.3-70b-versatile", ["llama-3.3-70b-versatile", "llama-3.1-8b-instant"],
        ),
        (
            "DeepSeek", "DeepSeek", "https://api.deepseek.com/v1", True, key,
            ("DEEPSEEK_API_KEY",), False, "deepseek-chat", ["deepseek-chat", "deepseek-reasoner"],
        ),
        (
            "Mistral", "Mistral", "https://api.mistral.ai/v1", True, key, ("MISTRAL_API_KEY",),
            False, "mistral-small-latest",
            ["mistral-small-latest", "mistral-large-latest", "codestral-latest"],
        ),
        (
            "Together", "Together AI", "https://api.together.xyz/v1", True, key,
            ("TOGETHER_API_KEY",), False, "meta-llama/Llama-3.3-70B-Instruct-Turbo",
            ["meta-llama/Llama-3.3-70B-Instruct-Turbo", "deepseek-ai/DeepSeek-V3"],
        ),
        (
            "xAI", "xAI", "https://api.x.ai/v1", True, key, ("XAI_API_KEY",), False, "grok-3-mini",
            ["grok-3-mini", "grok-3"],
        ),
        (
            "Fireworks", "Fireworks AI", "https://api.fireworks.ai/inference/v1", True, key,
            ("FIREWORKS_API_KEY",), False, "accounts/fireworks/models/llama-v3p3-70b-instruct",
            ["accounts/fireworks/models/llama-v3p3-70b-instruct"],
        ),
    ]  # fmt: skip


def test_each_local_server_is_at_its_usual_port_and_needs_no_key() -> None:
    assert LOCAL == (LM_STUDIO, OLLAMA_OPENAI, LLAMA_CPP, VLLM)
    assert [row(p) for p in LOCAL] == [
        ("LMStudio", "LM Studio (local)", "http://127.0.0.1:1234/v1", False, (), (), True, "", []),
        (
            "OllamaOpenAI", "Ollama, OpenAI API (local)", "http://127.0.0.1:11434/v1", False, (),
            (), True, "", [],
        ),
        (
            "LlamaCpp", "llama.cpp server (local)", "http://127.0.0.1:8080/v1", False, (), (),
            True, "", [],
        ),
        ("vLLM", "vLLM (local)", "http://127.0.0.1:8000/v1", False, (), (), True, "", []),
    ]  # fmt: skip
    assert all(p.on_this_machine() for p in LOCAL)


def test_the_generic_entry_waits_for_a_base_url() -> None:
    assert row(OPENAI_COMPATIBLE) == (
        "OpenAICompatible", "OpenAI-compatible", "", False, (), (), False, "", []
    )  # fmt: skip


def test_what_only_some_services_need_is_kept_on_them() -> None:
    assert OPENROUTER.headers == {"X-Title": "Parley"}  # its app ranking names the app
    assert [p.name for p in SERVICES if p.headers] == ["OpenRouter"]
    assert MISTRAL.include_usage is False  # its API refuses stream_options
    assert MISTRAL.supported_options == {
        "temperature", "top_p", "max_tokens", "presence_penalty", "frequency_penalty"
    }  # fmt: skip
    assert [p.name for p in SERVICES if not p.include_usage] == ["Mistral"]
    assert all(p.at_home() for p in (*SERVICES, *LOCAL))
