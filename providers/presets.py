"""Built-in endpoints: OpenAI-compatible services and local servers, each its own entry.

Each is a value registered under its name (pyproject's ``parley.providers``), so it shows in
the provider list and a user only adds a key. The model lists are the fallback used when
the service's own list cannot be fetched.
"""

from __future__ import annotations

from .openai_compat import OpenAICompatible


def _service(
    name: str, label: str, url: str, env: str, models: tuple[str, ...], **extra: object
) -> OpenAICompatible:
    return OpenAICompatible(
        name=name,
        label=label,
        url=url,
        needs_auth=True,
        key_env=(env,),
        default_model=models[0],
        models=models,
        **extra,  # type: ignore[arg-type]
    )


def _local(name: str, label: str, url: str) -> OpenAICompatible:
    return OpenAICompatible(name=name, label=label, url=url, local=True)


OPENAI_COMPATIBLE = OpenAICompatible(name="OpenAICompatible", label="OpenAI-compatible", url="")
"""Any server that speaks the protocol, at the base URL the user gives."""

OPENAI = _service(
    "OpenAI",
    "OpenAI",
    "https://api.openai.com/v1",
    "OPENAI_API_KEY",
    ("gpt-4o-mini", "gpt-4o", "gpt-4.1", "gpt-4.1-mini", "o3-mini", "o4-mini"),
)
OPENROUTER = _service(
    "OpenRouter",
    "OpenRouter",
    "https://openrouter.ai/api/v1",
    "OPENROUTER_API_KEY",
    (
        "openrouter/auto",
        "openai/gpt-4o-mini",
        "anthropic/claude-sonnet-4",
        "google/gemini-2.5-flash",
    ),
    headers={"X-Title": "Parley"},
)
GROQ = _service(
    "Groq",
    "Groq",
    "https://api.groq.com/openai/v1",
    "GROQ_API_KEY",
    ("llama-3.3-70b-versatile", "llama-3.1-8b-instant"),
)
DEEPSEEK = _service(
    "DeepSeek",
    "DeepSeek",
    "https://api.deepseek.com/v1",
    "DEEPSEEK_API_KEY",
    ("deepseek-chat", "deepseek-reasoner"),
)
MISTRAL = _service(
    "Mistral",
    "Mistral",
    "https://api.mistral.ai/v1",
    "MISTRAL_API_KEY",
    ("mistral-small-latest", "mistral-large-latest", "codestral-latest"),
    include_usage=False,  # its API refuses stream_options; it sends usage anyway
    supported_options=frozenset(
        {"temperature", "top_p", "max_tokens", "presence_penalty", "frequency_penalty"}
    ),
)
TOGETHER = _service(
    "Together",
    "Together AI",
    "https://api.together.xyz/v1",
    "TOGETHER_API_KEY",
    ("meta-llama/Llama-3.3-70B-Instruct-Turbo", "deepseek-ai/DeepSeek-V3"),
)
XAI = _service("xAI", "xAI", "https://api.x.ai/v1", "XAI_API_KEY", ("grok-3-mini", "grok-3"))
FIREWORKS = _service(
    "Fireworks",
    "Fireworks AI",
    "https://api.fireworks.ai/inference/v1",
    "FIREWORKS_API_KEY",
    ("accounts/fireworks/models/llama-v3p3-70b-instruct",),
)

LM_STUDIO = _local("LMStudio", "LM Studio (local)", "http://127.0.0.1:1234/v1")
OLLAMA_OPENAI = _local("OllamaOpenAI", "Ollama, OpenAI API (local)", "http://127.0.0.1:11434/v1")
LLAMA_CPP = _local("LlamaCpp", "llama.cpp server (local)", "http://127.0.0.1:8080/v1")
VLLM = _local("vLLM", "vLLM (local)", "http://127.0.0.1:8000/v1")

LOCAL = (LM_STUDIO, OLLAMA_OPENAI, LLAMA_CPP, VLLM)
