"""The pane's links, Copy, the reasoning header and following the stream."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import QObject, QUrl, Slot
from PySide6.QtGui import QDesktopServices, QGuiApplication, QTextDocument
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from chat.conversation import Conversation
from gui.conversation_view import ConversationView
from gui.follow import JUMP


class Opened(QObject):
    """Where QDesktopServices sends the links it is asked to open, instead of a browser."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    @Slot(QUrl)
    def open(self, url: QUrl) -> None:
        self.urls.append(url.toString())


@pytest.fixture
def opened() -> Iterator[Opened]:
    handler = Opened()
    schemes = ["http", "https", "mailto", "file", "javascript", "data", "ftp"]
    for scheme in schemes:
        QDesktopServices.setUrlHandler(scheme, handler, "open")
    yield handler
    for scheme in schemes:
        QDesktopServices.unsetUrlHandler(scheme)


@pytest.fixture
def view(qtbot: QtBot) -> ConversationView:
    view = ConversationView()
    view.clock = lambda: 0.0
    qtbot.addWidget(view)
    return view


def anchors(view: ConversationView) -> list[str]:
    found = []
    block = view.document().begin()
    while block.isValid():
        it = block.begin()
        while not it.atEnd():
            fmt = it.fragment().charFormat()
            if fmt.isAnchor():
                found.append(fmt.anchorHref())
            it += 1
        block = block.next()
    return found


def test_only_web_and_mail_links_are_links_and_open_when_clicked(
    view: ConversationView, opened: Opened
) -> None:
    reply = view.begin_reply("Alpha")
    reply.append(
        "[w](https://a.example/x?y=1) [m](mailto:me@a.example) [j](javascript:alert(1)) "
        "[f](file:///etc/passwd) [d](data:text/html,hi) [t](ftp://a.example) <https://b.example>"
    )
    reply.finish()
    links = anchors(view)
    assert links == ["https://a.example/x?y=1", "mailto:me@a.example", "https://b.example"]
    assert opened.urls == []  # nothing opens by itself
    for href in [*links, "javascript:alert(1)", "file:///etc/passwd", "data:text/html,hi"]:
        view.on_anchor_clicked(QUrl(href))
    assert opened.urls == links


def test_hovering_a_link_tells_its_real_target(view: ConversationView, qtbot: QtBot) -> None:
    with qtbot.waitSignal(view.link_hovered) as hovered:
        view.on_highlighted(QUrl("https://real.example/page"))
    assert hovered.args == ["https://real.example/page"]
    assert view.viewport().toolTip() == "https://real.example/page"
    view.on_highlighted(QUrl("parley-copy:0/0"))
    assert view.viewport().toolTip() == "Copy this code"
    with qtbot.waitSignal(view.link_hovered) as hovered:
        view.on_highlighted(QUrl())
    assert hovered.args == [""]
    assert view.viewport().toolTip() == ""


def test_nothing_is_ever_loaded(view: ConversationView) -> None:
    for url in ("https://evil.example/x.png", "file:///etc/passwd", "data:image/png;base64,AA"):
        assert view.loadResource(QTextDocument.ResourceType.ImageResource.value, QUrl(url)) is None
    reply = view.begin_reply("Alpha")
    reply.append("![x](https://evil.example/x.png)")
    reply.finish()
    assert "Image: x (https://evil.example/x.png)" in view.toPlainText()
    assert "<img" not in view.toHtml()


def test_copy_puts_the_code_on_the_clipboard(view: ConversationView) -> None:
    code = 'print("<hi>")\n\n\n    indented  \n'
    view.begin_reply("Alpha").append("first")
    reply = view.begin_reply("Beta")
    reply.append(f"Text\n\n```python\n{code}```\n\n- ```sh\n  ls -l\n  ```\n")
    reply.finish()
    copies = [href for href in anchors(view) if href.startswith("parley-copy:")]
    assert copies == ["parley-copy:1/0", "parley-copy:1/1"]
    clipboard = QGuiApplication.clipboard()
    view.on_anchor_clicked(QUrl(copies[0]))
    assert clipboard.text() == code
    view.on_anchor_clicked(QUrl(copies[1]))
    assert clipboard.text() == "ls -l\n"


def test_copy_while_the_code_still_streams(view: ConversationView) -> None:
    reply = view.begin_reply("Alpha")
    reply.append("```\nline one\nline tw")
    view.on_anchor_clicked(QUrl("parley-copy:0/0"))
    assert QGuiApplication.clipboard().text() == "line one\nline tw"


def test_reasoning_is_open_while_it_streams_and_folds_when_the_answer_starts(
    view: ConversationView,
) -> None:
    now = [10.0]
    view.clock = lambda: now[0]
    reply = view.begin_reply("Alpha")
    reply.append_reasoning("Let me **think** about ")
    now[0] = 13.0
    reply.append_reasoning("it.")
    text = view.toPlainText()
    assert "▾ Thinking… 3 s · 26 characters" in text
    assert "Let me think about it." in text
    now[0] = 22.4
    reply.append("The answer.")
    text = view.toPlainText()
    assert "▸ Thought for 12 s · 26 characters" in text
    assert "Let me think" not in text
    assert text.index("Thought for") < text.index("The answer.")
    view.on_anchor_clicked(QUrl("parley-reasoning:0r"))
    text = view.toPlainText()
    assert "▾ Thought for 12 s · 26 characters" in text
    assert text.index("Let me think about it.") < text.index("The answer.")
    view.on_anchor_clicked(QUrl("parley-reasoning:0r"))
    assert "Let me think" not in view.toPlainText()


def test_a_stored_reply_shows_its_reasoning_folded(view: ConversationView) -> None:
    conversation = Conversation()
    conversation.add("assistant", "Answer", reasoning="Hidden thoughts")
    conversation.add("assistant", "", reasoning="Only thoughts", first_token_s=1.0, duration_s=6.2)
    view.show_conversation(conversation)
    text = view.toPlainText()
    assert "▸ Reasoning · 15 characters" in text
    assert "Hidden thoughts" not in text
    assert "▾ Thought for 5 s · 13 characters" in text
    assert "Only thoughts" in text  # a reply that never answered keeps it open


def fill(view: ConversationView, count: int = 60) -> None:
    for i in range(count):
        view.add_user(f"question {i}")


def test_the_view_follows_the_stream_until_scrolled_up(
    view: ConversationView, qtbot: QtBot
) -> None:
    view.resize(500, 300)
    view.show()
    qtbot.waitExposed(view)
    fill(view)
    reply = view.begin_reply("Alpha")
    bar = view.verticalScrollBar()
    for i in range(20):
        reply.append(f"Line {i}\n\n")
        QApplication.processEvents()
        assert bar.value() == bar.maximum() > 0
    button = view.follower.button
    assert not button.isVisible()
    bar.setValue(bar.maximum() // 2)
    for i in range(20):
        reply.append(f"More {i}\n\n")
        QApplication.processEvents()
    assert bar.value() == bar.maximum() // 2 or bar.value() < bar.maximum()
    assert button.isVisible()
    assert button.accessibleName() == JUMP
    corner = view.viewport().geometry().bottomRight()
    assert button.geometry().right() < corner.x()
    assert button.geometry().bottom() < corner.y()
    assert button.geometry().right() > corner.x() - 60
    button.click()
    assert bar.value() == bar.maximum()
    assert not button.isVisible()
    reply.append("Last\n\n")
    reply.finish()
    QApplication.processEvents()
    assert bar.value() == bar.maximum()
