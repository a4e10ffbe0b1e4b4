"""Transcripts: importing a large ChatGPT export, and exporting many conversations."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from .common import Figure

TITLE = "Transcripts: import of a ChatGPT export, export to every format"
IMPORT_MB = 100
EXPORTED = 1_000
ABOUT = (
    f"Import: a ChatGPT `conversations.json` of {IMPORT_MB} MB generated in the shape of the "
    "real export (a `mapping` tree per conversation with metadata on every node, an edited "
    "question or a regenerated answer now and then, a hidden system node, code; "
    "conversations 75% in English, 15% in Russian, 10% in Chinese), imported by `parley "
    "import`'s own code (`import_file`) into a new store, in a process of its own: wall "
    "time until `import_file` returns (every conversation is in the store and shown), then "
    "until the store has indexed every message for search too (it does so in the background, "
    "between other writes), and the process's peak resident memory (VmHWM) beside the "
    "file's size. The "
    "peer is `json.load` of the same file in a process of its own: only reading it whole, "
    "as an importer that loads the file would start. "
    f"Export: {EXPORTED:,} conversations of 10 messages (code blocks, a table, Unicode) "
    "read from a store and written by `export` to each format, one file per conversation "
    "(JSON: one file), PDF through Qt's text engine offscreen."
)
ROOT = Path(__file__).resolve().parent.parent
_VOCABULARIES = {
    "en": "the model reads your question and writes an answer about code data tests files "
    "while this function returns a value when the list is empty so check it first",
    "ru": "модель читает ваш вопрос и пишет ответ про код данные тесты файлы если список "
    "пуст функция возвращает значение поэтому сначала проверьте его",
    "zh": "模型 读取 你的 问题 然后 写出 关于 代码 数据 测试 文件 的 回答 如果 列表 为空",
}
LANGUAGES = {language: words.split() for language, words in _VOCABULARIES.items()}
MIX = ("en",) * 15 + ("ru",) * 3 + ("zh",) * 2
"""Most of a person's conversations are in one language, some in another: 75% English,
15% Russian, 10% Chinese (Chinese is the costliest to index: every message of it goes into
the indexes of Chinese and Japanese text too)."""


def _text(rng: random.Random, words: int, language: str = "en") -> str:
    return " ".join(rng.choice(LANGUAGES[language]) for _ in range(words))


def _node(node_id: str, parent: str | None, message: dict[str, Any] | None) -> dict[str, Any]:
    return {"id": node_id, "message": message, "parent": parent, "children": []}


def _message(rng: random.Random, role: str, when: float, text: str, **extra: Any) -> dict[str, Any]:
    metadata: dict[str, Any] = {"request_id": uuid.uuid4().hex, "timestamp_": "absolute"}
    if role == "assistant":
        metadata |= {
            "model_slug": "gpt-4o",
            "finish_details": {"type": "stop", "stop_tokens": [200002]},
            "citations": [],
            "message_type": None,
            "default_model_slug": "gpt-4o",
            "parent_id": uuid.uuid4().hex,
        }
    return {
        "id": uuid.uuid4().hex,
        "author": {"role": role, "name": None, "metadata": {}},
        "create_time": when,
        "update_time": None,
        "content": extra.pop("content", {"content_type": "text", "parts": [text]}),
        "status": "finished_successfully",
        "end_turn": role == "assistant",
        "weight": 1.0,
        "metadata": metadata | extra,
        "recipient": "all",
        "channel": None,
    }


def _conversation(rng: random.Random, n: int) -> dict[str, Any]:
    when = 1.7e9 + n * 3600.0
    language = rng.choice(MIX)
    mapping: dict[str, dict[str, Any]] = {}
    root = str(uuid.uuid4())
    mapping[root] = _node(root, None, None)
    system = str(uuid.uuid4())
    mapping[system] = _node(
        system,
        root,
        _message(rng, "system", when, "", is_visually_hidden_from_conversation=True),
    )
    parent = system
    for turn in range(rng.randint(4, 16)):
        parent = _turn(rng, mapping, parent, when + turn * 60, language)
    for node in mapping.values():
        if node["parent"]:
            mapping[node["parent"]]["children"].append(node["id"])
    return {
        "title": _text(rng, 5, language),
        "create_time": when,
        "update_time": when + 3600,
        "mapping": mapping,
        "moderation_results": [],
        "current_node": parent,
        "plugin_ids": None,
        "conversation_id": str(uuid.uuid4()),
        "conversation_template_id": None,
        "gizmo_id": None,
        "is_archived": False,
        "safe_urls": [],
        "default_model_slug": "gpt-4o",
        "id": str(uuid.uuid4()),
    }


def _turn(
    rng: random.Random, mapping: dict[str, Any], parent: str, when: float, language: str
) -> str:
    question = str(uuid.uuid4())
    mapping[question] = _node(
        question, parent, _message(rng, "user", when, _text(rng, 30, language))
    )
    if rng.random() < 0.1:  # an edited question: a sibling, left behind
        other = str(uuid.uuid4())
        mapping[other] = _node(other, parent, _message(rng, "user", when, _text(rng, 20, language)))
    answer = str(uuid.uuid4())
    body = _text(rng, rng.randint(80, 400), language)
    if rng.random() < 0.3:
        body += "\n\n```python\nfor item in data:\n    print(item)\n```\n"
    mapping[answer] = _node(answer, question, _message(rng, "assistant", when + 5, body))
    if rng.random() < 0.1:  # a regenerated answer
        other = str(uuid.uuid4())
        text = _text(rng, 100, language)
        mapping[other] = _node(other, question, _message(rng, "assistant", when + 9, text))
    return answer


def write_export(path: Path, megabytes: int, seed: int = 7) -> int:
    """A ChatGPT export of about ``megabytes`` MB at ``path``; returns its conversations."""
    rng = random.Random(seed)
    written, count = 0, 0
    with path.open("w", encoding="utf-8") as out:
        out.write("[")
        while written < megabytes * 1_000_000:
            text = json.dumps(_conversation(rng, count), ensure_ascii=False)
            out.write(("," if count else "") + text)
            written += len(text.encode())
            count += 1
        out.write("]")
    return count


PEAK = """
import resource


def peak():
    # VmHWM: this process's own high-water mark (ru_maxrss keeps the parent's across exec)
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
"""
IMPORT_CHILD = """
import json, resource, sys, time
from pathlib import Path
from chat.store import Store
from chat.transcript.importing import import_file
store = Store.open(Path(sys.argv[2]))
started = time.perf_counter()
report = import_file(store, Path(sys.argv[1]))
took = time.perf_counter() - started
store.catch_up().result()
searchable = time.perf_counter() - started
store.close()
print(json.dumps({
    "took": took, "searchable": searchable, "peak": peak(), "conversations": report.conversations
}))
"""
LOAD_CHILD = """
import json, resource, sys, time
started = time.perf_counter()
with open(sys.argv[1], "rb") as stream:
    found = json.load(stream)
took = time.perf_counter() - started
print(json.dumps({"took": took, "peak": peak(), "conversations": len(found)}))
"""


def _child(code: str, *args: str) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-c", PEAK + code, *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    found: dict[str, Any] = json.loads(done.stdout)
    return found


def _import(folder: Path) -> list[Figure]:
    path = folder / "conversations.json"
    count = write_export(path, IMPORT_MB)
    size = path.stat().st_size
    ours = _child(IMPORT_CHILD, str(path), str(folder / "parley.db"))
    peer = _child(LOAD_CHILD, str(path))
    assert ours["conversations"] == peer["conversations"] == count
    rate, peer_rate = size / 1e6 / ours["took"], size / 1e6 / peer["took"]
    mb = f"{size / 1e6:.0f} MB, {count:,} conversations"
    return [
        Figure(
            f"import of a ChatGPT export ({mb})",
            rate,
            "MB/s",
            peer_rate,
            rate / peer_rate,
            f"higher is faster; {ours['took']:.1f} s; target ≥ 20 MB/s; peer: json.load alone",
        ),
        Figure(
            "…and every message of it searchable",
            size / 1e6 / ours["searchable"],
            "MB/s",
            peer_rate,
            size / 1e6 / ours["searchable"] / peer_rate,
            f"higher is faster; {ours['searchable']:.1f} s from the start of the import; "
            "peer: json.load alone",
        ),
        Figure(
            "peak memory of that import",
            ours["peak"] / size,
            "× the file",
            peer["peak"] / size,
            ours["peak"] / peer["peak"],
            f"lower is better; {ours['peak'] / 1e6:.0f} MB for the whole process; "
            "target < 3×; peer: json.load alone",
        ),
    ]


def _conversations(count: int) -> list[Any]:
    from chat.conversation import Conversation

    rng = random.Random(11)
    made = []
    for n in range(count):
        language = rng.choice(MIX)
        conversation = Conversation(title=f"Conversation {n}: " + _text(rng, 4, language))
        for turn in range(5):
            conversation.add("user", _text(rng, 20, language) + f" (question {turn})")
            answer = _text(rng, 150, language)
            answer += (
                "\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n```python\nprint('привет, 世界')\n```\n"
            )
            conversation.add("assistant", answer, provider="OpenAI", model="gpt-4o")
        made.append(conversation)
    return made


def _export(folder: Path) -> list[Figure]:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from chat.store import Store, rows
    from chat.transcript.exporting import export
    from gui.pdf_export import write_pdf

    store = Store.open(folder / "export.db")
    try:
        for conversation in _conversations(EXPORTED):
            store.save(conversation)
        store.submit(lambda db: None).result()
        ids = [s.id for s in store.read_now(rows.list_conversations, limit=-1)]
        figures = []
        for fmt in ("md", "txt", "json", "html", "pdf"):
            started = time.perf_counter()
            loaded = (store.read_now(rows.load_conversation, i) for i in ids)
            export(loaded, fmt, folder / fmt, count=len(ids), pdf=write_pdf)  # type: ignore[arg-type]
            took = time.perf_counter() - started
            figures.append(
                Figure(
                    f"export of {EXPORTED:,} conversations to {fmt}",
                    took,
                    "s",
                    note=f"{took / EXPORTED * 1000:.2f} ms a conversation, read from the store",
                )
            )
        return figures
    finally:
        store.close()


def run() -> list[Figure]:
    with tempfile.TemporaryDirectory(prefix="parley-bench-transcripts-") as folder:
        figures = _import(Path(folder))
        (Path(folder) / "json").mkdir()
        return figures + _export(Path(folder))
