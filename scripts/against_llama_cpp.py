"""Parley against llama.cpp's own server (`llama-server`), built here, with a tiny random model.

    python scripts/against_llama_cpp.py

No model can be downloaded here, so the script makes one: a one-layer llama with random
weights and the real llama tokenizer (taken from a vocabulary file in llama.cpp's sources). Its
replies are random tokens, which is all a protocol check needs. The first run fetches the
llama-cpp-python source from PyPI (it vendors llama.cpp), builds `llama-server` with cmake and
writes the model; that takes 10 to 40 minutes on two cores. Everything lives in
``PARLEY_LLAMA_DIR`` (by default ``~/.cache/parley-llama``). Not part of the suite.

Checked: the llama.cpp preset found on its own (no --provider), `OpenAICompatible --base-url`,
the model list, and llama-server's Anthropic-style `/v1/messages`. Exits 1 when one fails.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from scripts.outside_server import run_checks, wait_until_up

HOME = Path(os.environ.get("PARLEY_LLAMA_DIR", Path.home() / ".cache" / "parley-llama"))
SOURCE = "llama-cpp-python==0.3.36"
PORT = 8080  # the llama.cpp preset's port, so discovery finds it
TEMPLATE = (
    "{% for m in messages %}<|im_start|>{{ m['role'] }}\n{{ m['content'] }}<|im_end|>\n"
    "{% endfor %}{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)


def run(*command: str | Path, cwd: Path | None = None) -> None:
    subprocess.run([str(c) for c in command], cwd=cwd, check=True)


def llama_sources() -> Path:
    """llama.cpp's sources, as vendored by the llama-cpp-python release on PyPI."""
    found = sorted(HOME.glob("llama_cpp_python-*/vendor/llama.cpp"))
    if found:
        return found[-1]
    HOME.mkdir(parents=True, exist_ok=True)
    pip = [sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:"]
    run(*pip, SOURCE, "-d", HOME)
    (archive,) = HOME.glob("llama_cpp_python-*.tar.gz")
    with tarfile.open(archive) as tar:
        tar.extractall(HOME, filter="data")
    return sorted(HOME.glob("llama_cpp_python-*/vendor/llama.cpp"))[-1]


def llama_server(sources: Path) -> Path:
    server = sources / "build" / "bin" / "llama-server"
    if not server.exists():
        print("Building llama-server (once; 10 to 40 minutes)...", flush=True)
        options = ["-DLLAMA_CURL=OFF", "-DLLAMA_OPENSSL=OFF", "-DLLAMA_BUILD_TESTS=OFF"]
        options += ["-DLLAMA_BUILD_EXAMPLES=OFF", "-DCMAKE_BUILD_TYPE=Release"]
        run("cmake", "-B", "build", *options, cwd=sources)
        jobs = str(os.cpu_count() or 1)
        run("cmake", "--build", "build", "--target", "llama-server", "-j", jobs, cwd=sources)
    return server


def python_with_gguf(sources: Path) -> Path:
    """A Python that has llama.cpp's own gguf writer and numpy."""
    venv = HOME / "venv"
    python = venv / "bin" / "python"
    if not python.exists():
        run(sys.executable, "-m", "venv", venv)
        run(python, "-m", "pip", "install", "-q", "numpy", sources / "gguf-py")
    return python


MAKE_MODEL = """
import sys
import gguf
import numpy as np

vocab, out, template = sys.argv[1:4]
source = gguf.GGUFReader(vocab)


def values(name):
    field = source.fields[name]
    return [field.parts[i] for i in field.data]


tokens = [bytes(v).decode("utf-8", "replace") for v in values("tokenizer.ggml.tokens")]
scores = [float(v[0]) for v in values("tokenizer.ggml.scores")]
kinds = [int(v[0]) for v in values("tokenizer.ggml.token_type")]
n_vocab, n_embd, n_ff, n_head = len(tokens), 64, 128, 4
w = gguf.GGUFWriter(out, "llama")
w.add_name("parley-tiny-random")
w.add_block_count(1)
w.add_context_length(512)
w.add_embedding_length(n_embd)
w.add_feed_forward_length(n_ff)
w.add_head_count(n_head)
w.add_head_count_kv(n_head)
w.add_layer_norm_rms_eps(1e-5)
w.add_rope_dimension_count(n_embd // n_head)
w.add_vocab_size(n_vocab)
w.add_file_type(0)
w.add_tokenizer_model("llama")
w.add_tokenizer_pre("default")
w.add_token_list(tokens)
w.add_token_scores(scores)
w.add_token_types(kinds)
w.add_bos_token_id(1)
w.add_eos_token_id(2)
w.add_unk_token_id(0)
w.add_add_bos_token(True)
w.add_add_eos_token(False)
w.add_chat_template(template)
rng = np.random.default_rng(0)


def weights(name, *shape):
    w.add_tensor(name, (rng.standard_normal(shape) * 0.02).astype(np.float32))


def ones(name):
    w.add_tensor(name, np.ones(n_embd, dtype=np.float32))


weights("token_embd.weight", n_vocab, n_embd)
ones("output_norm.weight")
weights("output.weight", n_vocab, n_embd)
ones("blk.0.attn_norm.weight")
for part in ("attn_q", "attn_k", "attn_v", "attn_output"):
    weights(f"blk.0.{part}.weight", n_embd, n_embd)
ones("blk.0.ffn_norm.weight")
weights("blk.0.ffn_gate.weight", n_ff, n_embd)
weights("blk.0.ffn_up.weight", n_ff, n_embd)
weights("blk.0.ffn_down.weight", n_embd, n_ff)
w.write_header_to_file()
w.write_kv_data_to_file()
w.write_tensors_to_file()
w.close()
"""


def tiny_model(sources: Path) -> Path:
    model = HOME / "parley-tiny-random.gguf"
    if not model.exists():
        vocab = sources / "models" / "ggml-vocab-llama-spm.gguf"
        run(python_with_gguf(sources), "-c", MAKE_MODEL, vocab, model, TEMPLATE)
    return model


def checks(url: str) -> list[tuple[str, list[str], str | None]]:
    """(what, parley's arguments, its output: None for any reply, the model being random)."""
    short = ("-o", "max_tokens=12", "-o", "temperature=0.5", "--system", "Be brief.")
    v1 = f"{url}/v1"
    anthropic = ["-p", "Anthropic", "--base-url", v1]  # its key: see ``main``
    return [
        ("found on its own, no --provider", ["ask", *short, "hi"], None),
        ("the llama.cpp preset", ["ask", "-p", "LlamaCpp", *short, "hi"], None),
        (
            "OpenAICompatible --base-url",
            ["ask", "-p", "OpenAICompatible", "--base-url", v1, *short, "hi"],
            None,
        ),
        ("its model list", ["models", "-p", "LlamaCpp"], None),
        ("its Anthropic-style /v1/messages", ["ask", *anthropic, *short, "hi"], None),
    ]


def port_is_free(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) != 0


def main() -> int:
    if not port_is_free(PORT):
        raise SystemExit(f"Something already listens on 127.0.0.1:{PORT}; stop it first.")
    sources = llama_sources()
    server_command = llama_server(sources)
    model = tiny_model(sources)
    url = f"http://127.0.0.1:{PORT}"
    serve = [server_command, "-m", model, "--host", "127.0.0.1", "--port", str(PORT)]
    serve += ["-c", "512", "-t", "1", "--no-webui"]
    with tempfile.TemporaryDirectory(prefix="parley-llama-") as folder:
        home = Path(folder)
        with (home / "server.log").open("wb") as log:
            server = subprocess.Popen(serve, stdout=log, stderr=subprocess.STDOUT)
            try:
                wait_until_up(f"{url}/health", server, 60.0)
                print(f"llama-server from {sources.parent.parent.name} at {url}")
                passed = run_checks(checks(url), home, (("Anthropic", f"{url}/v1", "none"),))
            finally:
                server.terminate()
                server.wait(timeout=30)
    return 0 if passed else 1


if __name__ == "__main__":
    raise SystemExit(main())
