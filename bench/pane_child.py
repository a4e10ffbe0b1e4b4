"""One measurement of the conversation pane in a process of its own (run by bench/pane.py):
``python -m bench.pane_child stream|burst|typing|updates|open [peer]``; prints one JSON
object. ``serve CHARS`` is the loopback server the stream runs against (a process of its own
too), sending CHARS characters in each chunk."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time
from pathlib import Path
from statistics import median
from typing import Any

REPLY_CHARS = 200_000
CHUNKS_PER_S = 2_000
TOKEN_CHARS = 4
"""A chunk as the services send it: one token, about four characters of English. At 2,000
chunks a second (the fastest services' rate) the reply takes 25 s."""
BURST_CHARS = 100
"""A chunk 25 times the size: the whole reply in one second, far past any service."""
MESSAGES = 5_000
ROOT = Path(__file__).resolve().parent.parent


def markdown_reply(chars: int) -> str:
    """Markdown of about ``chars`` characters: headings, lists, tables and code blocks."""
    parts, n, size = [], 0, 0
    while size < chars:
        part = (
            f"## Part {n}\n\nSome **bold** text, `inline code` and a [link](https://example.com).\n\n"
            f"- first point {n}\n- second point\n  - nested point\n\n"
            f"| name | value |\n|---|---|\n| a{n} | {n} |\n| b{n} | {n * 2} |\n\n"
            f"```python\ndef f_{n}(x):\n    return x * {n}\n```\n\n"
            + "A plain sentence that fills the paragraph with words. " * 6
            + "\n\n"
        )
        parts.append(part)
        size += len(part)
        n += 1
    return "".join(parts)[:chars].rstrip() + "\n\nTHE END\n"


def rss_mb() -> float:
    with open("/proc/self/status") as status:
        kb = next(line.split()[1] for line in status if line.startswith("VmRSS:"))
    return int(kb) / 1024


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else 0.0


# -- the server (its own process)


async def serve(size: int) -> None:
    """Stream the reply at CHUNKS_PER_S, ``size`` characters a chunk, to each POST; print
    the port, then the monotonic time of each reply's last chunk."""
    from aiohttp import web

    reply = markdown_reply(REPLY_CHARS)

    async def chat(request: web.Request) -> web.StreamResponse:
        await request.read()
        response = web.StreamResponse(headers={"content-type": "text/event-stream"})
        await response.prepare(request)
        started = time.monotonic()
        for index, at in enumerate(range(0, len(reply), size)):
            delta = {"choices": [{"index": 0, "delta": {"content": reply[at : at + size]}}]}
            await response.write(f"data: {json.dumps(delta)}\n\n".encode())
            wait = started + (index + 1) / CHUNKS_PER_S - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
        print(f"last {time.monotonic():.6f}", flush=True)
        end = {"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}
        await response.write(f"data: {json.dumps(end)}\n\ndata: [DONE]\n\n".encode())
        return response

    app = web.Application()
    app.router.add_post("/v1/chat/completions", chat)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    print(f"port {site._server.sockets[0].getsockname()[1]}", flush=True)  # type: ignore[union-attr]
    await asyncio.Event().wait()


# -- the window streaming a long reply


class Ticker:
    """A 1 ms timer on the Qt loop: the gaps between its ticks are the loop's stalls."""

    def __init__(self) -> None:
        from PySide6.QtCore import QTimer

        self.gaps: list[float] = []
        self._last = time.perf_counter()
        self.timer = QTimer()
        self.timer.setInterval(1)
        self.timer.timeout.connect(self.tick)

    def start(self) -> None:
        self._last = time.perf_counter()
        self.timer.start()

    def tick(self) -> None:
        now = time.perf_counter()
        self.gaps.append(now - self._last)
        self._last = now


def start_server(size: int) -> tuple[subprocess.Popen[str], int]:
    server = subprocess.Popen(
        [sys.executable, "-m", "bench.pane_child", "serve", str(size)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert server.stdout is not None
    return server, int(server.stdout.readline().split()[1])


async def stream(typing: bool, server: subprocess.Popen[str], port: int) -> dict[str, Any]:
    """The real window asks the OpenAI-compatible preset for the reply; the loop's stalls
    while it streams, and how long after its last chunk it is whole on screen. With
    ``typing``, a key is sent to the composer every 20 ms and its wait measured."""
    from PySide6.QtCore import QEvent, QObject, Qt, QTimer
    from PySide6.QtGui import QKeyEvent
    from PySide6.QtWidgets import QApplication

    from chat.secrets import MemorySecretStore
    from chat.session import ChatSession
    from gui.app import keep_started_objects
    from gui.main_window import MainWindow
    from gui.tasks import TaskTracker
    from providers.http import new_client_session
    from providers.presets import OPENAI_COMPATIBLE
    from providers.registry import ProviderRegistry
    from tests.support.qt import pane_text

    assert server.stdout is not None
    tasks = TaskTracker()
    http = new_client_session()
    window = MainWindow(tasks)
    window.resize(1000, 800)
    provider = OPENAI_COMPATIBLE.with_base_url(f"http://127.0.0.1:{port}/v1")
    window.load_providers(ProviderRegistry([provider]))
    window.set_session(ChatSession(MemorySecretStore(), http))
    keep_started_objects()  # as gui/app.py does once started
    window.show()
    window.picker.select("OpenAICompatible", "m")
    await asyncio.sleep(0.3)
    waits: list[float] = []

    class Keys(QObject):
        def eventFilter(self, watched: QObject, event: QEvent) -> bool:
            if event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent):
                sent = pending.pop(0) if pending else None
                if sent is not None:
                    waits.append(time.perf_counter() - sent)
            return False

    pending: list[float] = []
    keys = Keys()
    window.composer.editor.installEventFilter(keys)
    typist = QTimer()
    typist.setInterval(20)

    def type_one() -> None:
        pending.append(time.perf_counter())
        event = QKeyEvent(QEvent.Type.KeyPress, Qt.Key.Key_A, Qt.KeyboardModifier.NoModifier, "a")
        QApplication.postEvent(window.composer.editor, event)

    typist.timeout.connect(type_one)
    ticker = Ticker()
    window.composer.editor.setPlainText("Write the long answer.")
    ticker.start()
    window.composer.button.click()
    if typing:
        window.composer.editor.setFocus()
        typist.start()
    shown_at = 0.0
    while True:
        await asyncio.sleep(0.001)
        if window.replies.settled and not window.composer.busy:
            text = pane_text(window.view)
            if "THE END" in text:
                shown_at = time.monotonic()
                break
    ticker.timer.stop()
    typist.stop()
    last = float(server.stdout.readline().split()[1])
    message = window.conversation.messages[-1]
    window.close()
    await tasks.shutdown()
    await http.close()
    stalls = [g * 1000 for g in ticker.gaps]
    return {
        "chars": len(message.content),
        "max_stall_ms": max(stalls),
        "p99_stall_ms": percentile(stalls, 0.99),
        "shown_after_last_ms": (shown_at - last) * 1000,
        "max_key_wait_ms": max(waits) * 1000 if waits else None,
        "keys": len(waits),
    }


# -- the cost of one update, early and late in a long reply


def updates() -> dict[str, Any]:
    """The time of one update of a streaming reply (the text of one frame added and drawn)
    at about 1,000 and at 150,000 characters into it."""
    from PySide6.QtWidgets import QApplication

    from gui.conversation_view import ConversationView

    app = QApplication.instance() or QApplication([])
    view = ConversationView()
    view.resize(1000, 800)
    view.show()
    app.processEvents()
    reply = markdown_reply(REPLY_CHARS)
    block = view.begin_reply("Bench · m")
    step = 100  # a 60 Hz frame's worth at 6,000 characters a second
    early: list[float] = []
    late: list[float] = []
    for at in range(0, 160_000, step):
        started = time.perf_counter()
        block.append(reply[at : at + step])
        app.processEvents()
        took = time.perf_counter() - started
        if 1_000 <= at < 3_000:
            early.append(took)
        elif 150_000 <= at < 152_000:
            late.append(took)
    return {"early_ms": percentile(early, 0.5) * 1000, "late_ms": percentile(late, 0.5) * 1000}


# -- opening a conversation of 5,000 messages


def conversation_of(messages: int) -> Any:
    from chat.conversation import Conversation

    conversation = Conversation()
    answer = markdown_reply(1_150)
    for n in range(messages // 2):
        conversation.add("user", f"Question {n}: how does part {n} work, and why?")
        conversation.add("assistant", answer.replace("Part 0", f"Part {n}"))
    return conversation


def open_long(peer: bool) -> dict[str, Any]:
    """Time to the first paint of a 5,000-message conversation, memory after opening it, the
    loop's worst stall while the rest of its window is drawn; then a reader scrolling up to
    the first message (the window moving at its top edge) and down to the last, half a
    page a step: the longest frame, the longest stall, the waits at the windows' edges. The
    peer: a bare QTextEdit given the same text as plain text, scrolled top to bottom."""
    from PySide6.QtWidgets import QApplication, QMainWindow, QTextEdit

    from gui.conversation_view import ConversationView

    app = QApplication.instance() or QApplication([])
    conversation = conversation_of(MESSAGES)
    chars = sum(len(m.content) for m in conversation.messages)
    window = QMainWindow()
    window.resize(1000, 800)
    view: Any = QTextEdit() if peer else ConversationView()
    window.setCentralWidget(view)
    window.show()
    app.processEvents()
    if not peer:
        view.warm_up()  # as the window does once started (gui/main_window.py set_session)
    before = rss_mb()
    started = time.perf_counter()
    if peer:
        view.setPlainText("\n\n".join(m.content for m in conversation.messages))
    else:
        view.show_conversation(conversation)
    view.viewport().repaint()
    first_paint = time.perf_counter() - started
    opened_mb = rss_mb() - before
    ticker = Ticker()
    ticker.start()
    _until_drawn(app, view, peer)
    window_s = time.perf_counter() - started
    for _ in range(50):
        app.processEvents()
        time.sleep(0.002)
    worst_gap = max(ticker.gaps) * 1000 if ticker.gaps else 0.0
    window_mb = rss_mb() - before
    ticker.gaps.clear()
    edge_waits = [] if peer else _walk_up(app, view)
    frames, more_waits = _scroll_down(app, view, peer)
    ticker.timer.stop()
    return {
        "chars": chars,
        "first_paint_ms": first_paint * 1000,
        "opened_mb": opened_mb,
        "window_s": window_s,
        "window_mb": window_mb,
        "worst_gap_ms": worst_gap,
        "max_scroll_frame_ms": max(frames) * 1000,
        "scroll_frames": len(frames),
        "walk_worst_gap_ms": max(ticker.gaps) * 1000 if ticker.gaps else 0.0,
        "edge_moves": len(edge_waits) + len(more_waits),
        "edge_wait_median_ms": median(edge_waits + more_waits) * 1000 if edge_waits else 0.0,
        "edge_wait_max_ms": max(edge_waits + more_waits) * 1000 if edge_waits else 0.0,
        "mb_after_walk": rss_mb() - before,
    }


def _until_drawn(app: Any, view: Any, peer: bool) -> None:
    drawing_until = time.perf_counter() + 600
    while not peer and view.earlier.drawing and time.perf_counter() < drawing_until:
        app.processEvents()


def _edge(app: Any, view: Any, action: Any) -> float:
    """The reader scrolls to a window's edge: the wait until the next window is shown."""
    started = time.perf_counter()
    view.verticalScrollBar().triggerAction(action)
    _until_drawn(app, view, peer=False)
    return time.perf_counter() - started


def _walk_up(app: Any, view: Any) -> list[float]:
    from PySide6.QtWidgets import QAbstractSlider

    waits = []
    while view.page.first > 0:
        first = view.page.first
        waits.append(_edge(app, view, QAbstractSlider.SliderAction.SliderToMinimum))
        if view.page.first == first:
            raise RuntimeError("the window did not move at its top edge")
    view.verticalScrollBar().setValue(0)
    app.processEvents()
    return waits


def _scroll_down(app: Any, view: Any, peer: bool) -> tuple[list[float], list[float]]:
    """Half a page a step from the top to the last message; at a window's bottom edge the
    window moves on (its wait is counted apart from the frames)."""
    from PySide6.QtWidgets import QAbstractSlider

    bar = view.verticalScrollBar()
    frames: list[float] = []
    waits: list[float] = []
    while True:
        if bar.value() >= bar.maximum():
            if peer or view.page.last is None:
                return frames, waits
            last = view.page.last
            waits.append(_edge(app, view, QAbstractSlider.SliderAction.SliderToMaximum))
            if view.page.last == last:
                raise RuntimeError("the window did not move at its bottom edge")
            continue
        started = time.perf_counter()
        bar.setValue(min(bar.maximum(), bar.value() + bar.pageStep() // 2))
        view.viewport().repaint()
        app.processEvents()
        frames.append(time.perf_counter() - started)


def main() -> None:
    what = sys.argv[1]
    if what == "serve":
        asyncio.run(serve(int(sys.argv[2])))
        return
    if what in ("stream", "burst", "typing"):
        from PySide6.QtWidgets import QApplication

        app = QApplication.instance() or QApplication([])
        assert isinstance(app, QApplication)
        app.setQuitOnLastWindowClosed(False)
        import qasync  # type: ignore[import-untyped]

        server, port = start_server(BURST_CHARS if what == "burst" else TOKEN_CHARS)
        try:
            with asyncio.Runner(loop_factory=qasync.QEventLoop) as runner:
                result = runner.run(stream(what == "typing", server, port))
        finally:
            server.terminate()
            server.wait()
        del app
    elif what == "updates":
        result = updates()
    else:
        result = open_long(peer=len(sys.argv) > 2)
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
