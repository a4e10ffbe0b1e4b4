"""Realistic ChatGPT and Claude exports, built in the shapes those services write.

Written from the shapes of real exports (ChatGPT's ``conversations.json`` with its node
``mapping``; Claude's with ``chat_messages``): hidden nodes, branches, tools, images, thinking,
attachments, missing times, and text in Russian, Chinese and emoji. The tests say exactly what
Parley makes of each.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Any

T0 = 1_714_000_000.25
"""2024-04-24T23:06:40.250Z, when the first sample conversation began."""
SAMPLES = Path(__file__).with_name("samples")


# -- ChatGPT


def _node(
    node_id: str,
    parent: str | None,
    children: list[str],
    message: dict[str, Any] | None,
) -> dict[str, Any]:
    return {"id": node_id, "message": message, "parent": parent, "children": children}


def _message(
    node_id: str,
    role: str,
    content: dict[str, Any],
    created: float | None,
    *,
    name: str | None = None,
    recipient: str = "all",
    metadata: dict[str, Any] | None = None,
) -> dict[str, Any]:
    return {
        "id": node_id,
        "author": {"role": role, "name": name, "metadata": {}},
        "create_time": created,
        "update_time": None,
        "content": content,
        "status": "finished_successfully",
        "end_turn": role == "assistant" or None,
        "weight": 1.0,
        "metadata": metadata or {},
        "recipient": recipient,
        "channel": None,
    }


def _text(*parts: Any) -> dict[str, Any]:
    return {"content_type": "text", "parts": list(parts)}


def _reply(slug: str, finish: str = "stop") -> dict[str, Any]:
    return {"model_slug": slug, "finish_details": {"type": finish}, "citations": []}


def _conversation(
    conversation_id: str,
    title: str,
    created: float | None,
    nodes: list[dict[str, Any]],
    current: str,
    model: str = "gpt-4o",
) -> dict[str, Any]:
    return {
        "title": title,
        "create_time": created,
        "update_time": None if created is None else created + 600.5,
        "mapping": {n["id"]: n for n in nodes},
        "moderation_results": [],
        "current_node": current,
        "plugin_ids": None,
        "conversation_id": conversation_id,
        "conversation_template_id": None,
        "gizmo_id": None,
        "is_archived": False,
        "safe_urls": [],
        "default_model_slug": model,
        "id": conversation_id,
    }


def chatgpt_python() -> dict[str, Any]:
    """Custom instructions, a python tool call, an edited question, a regenerated answer."""
    hidden = {"is_visually_hidden_from_conversation": True}
    instructions = {
        "content_type": "user_editable_context",
        "user_profile": "Я программист.",
        "user_instructions": "Отвечай кратко.",
    }
    code = {
        "content_type": "code",
        "language": "unknown",
        "text": "sum(i * i for i in range(1, 11))",
    }
    nodes = [
        _node("root", None, ["sys"], None),
        _node("sys", "root", ["ctx"], _message("sys", "system", _text(""), None, metadata=hidden)),
        _node(
            "ctx",
            "sys",
            ["q1", "q2"],
            _message("ctx", "user", instructions, None, metadata={"is_user_system_message": True}),
        ),
        _node(
            "q1",
            "ctx",
            ["code"],
            _message("q1", "user", _text("Посчитай сумму квадратов от 1 до 10 на Python"), T0 + 1),
        ),
        _node(
            "code",
            "q1",
            ["out"],
            _message(
                "code", "assistant", code, T0 + 2, recipient="python", metadata=_reply("gpt-4o")
            ),
        ),
        _node(
            "out",
            "code",
            ["a1"],
            _message(
                "out",
                "tool",
                {"content_type": "execution_output", "text": "385"},
                None,
                name="python",
            ),
        ),
        _node(
            "a1",
            "out",
            [],
            _message(
                "a1",
                "assistant",
                _text("Сумма квадратов равна **385**."),
                T0 + 4,
                metadata=_reply("gpt-4o"),
            ),
        ),
        _node("q2", "ctx", ["a2", "a3"], _message("q2", "user", _text("А сумму кубов?"), T0 + 60)),
        _node(
            "a2",
            "q2",
            [],
            _message("a2", "assistant", _text("3025."), T0 + 61, metadata=_reply("gpt-4o")),
        ),
        _node(
            "a3",
            "q2",
            [],
            _message(
                "a3",
                "assistant",
                _text("Сумма кубов от 1 до 10 — 3025 (это 55²)."),
                T0 + 70,
                metadata=_reply("gpt-4o-mini"),
            ),
        ),
    ]
    return _conversation("c-python", "Сумма квадратов", T0, nodes, current="a3")


def chatgpt_browsing() -> dict[str, Any]:
    """An image question, a web search quoted, a DALL·E picture; no conversation time."""
    image = {
        "content_type": "image_asset_pointer",
        "asset_pointer": "file-service://file-AbC123",
        "size_bytes": 181_000,
        "width": 1024,
        "height": 768,
        "fovea": None,
        "metadata": None,
    }
    search = {"content_type": "code", "language": "unknown", "text": 'search("weather 北京")'}
    display = {
        "content_type": "tether_browsing_display",
        "result": "# 【0†Beijing weather】…",
        "summary": "",
    }
    quote = {
        "content_type": "tether_quote",
        "url": "https://weather.example/beijing",
        "domain": "weather.example",
        "text": "Beijing: sunny, 25 °C.\nWind: light.",
        "title": "Beijing weather",
    }
    prompt = {
        "content_type": "code",
        "language": "json",
        "text": '{"prompt": "a cat reading a book"}',
    }
    drawn = {
        "content_type": "multimodal_text",
        "parts": [
            {
                "content_type": "image_asset_pointer",
                "asset_pointer": "sediment://file_00000000abcd",
                "metadata": {"dalle": {"prompt": "a cat"}},
            }
        ],
    }
    note = _text("DALL·E displayed 1 images. The images are already plainly visible.")
    nodes = [
        _node("r", None, ["u1"], None),
        _node(
            "u1",
            "r",
            ["a1"],
            _message(
                "u1",
                "user",
                {
                    "content_type": "multimodal_text",
                    "parts": [image, "What is in this picture? 🙂"],
                },
                T0 + 100,
            ),
        ),
        _node(
            "a1",
            "u1",
            ["u2"],
            _message(
                "a1",
                "assistant",
                _text("A cat 🐈 sitting on a 书 (a book)."),
                T0 + 101,
                metadata=_reply("gpt-4o"),
            ),
        ),
        _node(
            "u2",
            "a1",
            ["s"],
            _message("u2", "user", _text("What's the weather in 北京?"), T0 + 200),
        ),
        _node(
            "s",
            "u2",
            ["d"],
            _message(
                "s", "assistant", search, T0 + 201, recipient="browser", metadata=_reply("gpt-4o")
            ),
        ),
        _node("d", "s", ["qt"], _message("d", "tool", display, T0 + 202, name="browser")),
        _node("qt", "d", ["a2"], _message("qt", "tool", quote, T0 + 203, name="browser")),
        _node(
            "a2",
            "qt",
            ["u3"],
            _message(
                "a2",
                "assistant",
                _text("It is sunny in Beijing ☀️."),
                T0 + 204,
                metadata=_reply("gpt-4o"),
            ),
        ),
        _node(
            "u3", "a2", ["p"], _message("u3", "user", _text("Draw a cat reading a book"), T0 + 300)
        ),
        _node(
            "p",
            "u3",
            ["img"],
            _message(
                "p",
                "assistant",
                prompt,
                T0 + 301,
                recipient="dalle.text2im",
                metadata=_reply("gpt-4o"),
            ),
        ),
        _node("img", "p", ["said"], _message("img", "tool", drawn, T0 + 310, name="dalle.text2im")),
        _node(
            "said", "img", ["a3"], _message("said", "tool", note, T0 + 311, name="dalle.text2im")
        ),
        _node(
            "a3",
            "said",
            [],
            _message(
                "a3",
                "assistant",
                _text("Here is your cat."),
                T0 + 312,
                metadata=_reply("gpt-4o", "interrupted"),
            ),
        ),
    ]
    conversation = _conversation("c-browse", "Pictures and weather", None, nodes, current="a3")
    conversation["update_time"] = None
    return conversation


def chatgpt_thinking() -> dict[str, Any]:
    """A reasoning model's thoughts, its recap, and its answer."""
    thoughts = {
        "content_type": "thoughts",
        "thoughts": [
            {
                "summary": "Checking the sum",
                "content": "2 + 2 is 4.",
                "chunks": [],
                "finished": True,
            },
            {"summary": "Answering", "content": "Say it plainly.", "chunks": [], "finished": True},
        ],
        "source_analysis_msg_id": "x",
    }
    recap = {"content_type": "reasoning_recap", "content": "Thought for 3 seconds"}
    nodes = [
        _node("r", None, ["u"], None),
        _node("u", "r", ["t"], _message("u", "user", _text("What is 2 + 2?"), T0 + 1000)),
        _node(
            "t",
            "u",
            ["rc"],
            _message("t", "assistant", thoughts, T0 + 1001, metadata={"model_slug": "o3"}),
        ),
        _node(
            "rc",
            "t",
            ["a"],
            _message("rc", "assistant", recap, T0 + 1004, metadata={"model_slug": "o3"}),
        ),
        _node(
            "a", "rc", [], _message("a", "assistant", _text("4"), T0 + 1005, metadata=_reply("o3"))
        ),
    ]
    return _conversation("c-think", "", T0 + 1000, nodes, current="a", model="o3")


def chatgpt_export() -> list[dict[str, Any]]:
    return [chatgpt_python(), chatgpt_browsing(), chatgpt_thinking()]


# -- Claude

ROOT = "00000000-0000-4000-8000-000000000000"


def _iso(seconds: float) -> str:
    from datetime import UTC, datetime

    return (
        datetime.fromtimestamp(seconds, UTC)
        .isoformat(timespec="microseconds")
        .replace("+00:00", "Z")
    )


def _claude_message(
    uuid: str,
    sender: str,
    created: float,
    content: list[dict[str, Any]] | None,
    *,
    text: str = "",
    parent: str | None = None,
    attachments: list[dict[str, Any]] | None = None,
    files: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    message: dict[str, Any] = {
        "uuid": uuid,
        "text": text,
        "sender": sender,
        "created_at": _iso(created),
        "updated_at": _iso(created),
        "attachments": attachments or [],
        "files": files or [],
    }
    if content is not None:
        message["content"] = content
    if parent is not None:
        message["parent_message_uuid"] = parent
    return message


def _said(text: str) -> dict[str, Any]:
    return {"type": "text", "text": text, "citations": []}


def claude_branches() -> dict[str, Any]:
    """A newer export: thinking, an edited question with an attachment, a retried reply."""
    notes = {
        "file_name": "notes.txt",
        "file_size": 24,
        "file_type": "txt",
        "extracted_content": "晚安 means good night.\n```not a fence end",
    }
    messages = [
        _claude_message(
            "h1",
            "human",
            T0 + 10,
            [_said("Translate “good morning” into Russian")],
            text="Translate “good morning” into Russian",
            parent=ROOT,
        ),
        _claude_message(
            "a1",
            "assistant",
            T0 + 12,
            [
                {"type": "thinking", "thinking": "A greeting; the usual one is «Доброе утро»."},
                _said("Доброе утро!"),
            ],
            text="Доброе утро!",
            parent="h1",
        ),
        _claude_message(
            "h2",
            "human",
            T0 + 20,
            [_said("Now “good night” into Chinese, see my notes")],
            parent=ROOT,
            attachments=[notes],
        ),
        _claude_message("a2", "assistant", T0 + 22, [_said("晚安 (wǎn ān).")], parent="h2"),
        _claude_message("a3", "assistant", T0 + 30, [_said("晚安！🌙")], parent="h2"),
    ]
    return {
        "uuid": "k-branches",
        "name": "Переводы 🌍",
        "summary": "",
        "created_at": _iso(T0 + 10),
        "updated_at": _iso(T0 + 31),
        "account": {"uuid": "acct-1"},
        "chat_messages": messages,
    }


def claude_linear() -> dict[str, Any]:
    """An older export (no parent links): flat text, a file, an artifact tool call."""
    artifact = {
        "type": "tool_use",
        "name": "artifacts",
        "input": {
            "id": "hello",
            "type": "application/vnd.ant.code",
            "language": "python",
            "content": "print('hi')",
        },
    }
    result = {
        "type": "tool_result",
        "name": "artifacts",
        "content": [{"type": "text", "text": "OK"}],
        "is_error": False,
    }
    messages = [
        _claude_message("m1", "human", T0 + 500, None, text="What is 2+2?"),
        _claude_message("m2", "assistant", T0 + 501, None, text="4"),
        _claude_message(
            "m3",
            "human",
            T0 + 600,
            [_said("And write hello in Python")],
            files=[{"file_name": "photo.png"}],
        ),
        _claude_message(
            "m4", "assistant", T0 + 601, [_said("Here it is:"), artifact, result, _said("Run it.")]
        ),
    ]
    return {
        "uuid": "k-linear",
        "name": "Arithmetic",
        "created_at": _iso(T0 + 500),
        "updated_at": _iso(T0 + 602),
        "account": {"uuid": "acct-1"},
        "chat_messages": messages,
    }


def claude_empty() -> dict[str, Any]:
    return {
        "uuid": "k-empty",
        "name": "",
        "created_at": _iso(T0 + 900),
        "updated_at": _iso(T0 + 900),
        "account": {"uuid": "acct-1"},
        "chat_messages": [],
    }


def claude_export() -> list[dict[str, Any]]:
    return [claude_branches(), claude_linear(), claude_empty()]


# -- files


def write_json(path: Path, data: Any) -> Path:
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
    return path


def write_zip(path: Path, data: Any, member: str = "conversations.json") -> Path:
    """A zip as the services send it: the export beside other files."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("user.json", json.dumps({"id": "user-1"}))
        archive.writestr(member, json.dumps(data, ensure_ascii=False))
        archive.writestr("chat.html", "<html></html>")
    return path
