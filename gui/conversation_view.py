"""The conversation pane: user and assistant messages in one Qt text document, replies
rendered as Markdown as they stream, links opened only when clicked."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QEvent, QPoint, QUrl, Signal
from PySide6.QtGui import (
    QDesktopServices,
    QGuiApplication,
    QResizeEvent,
    QTextCursor,
    QTextDocument,
    QTextFrame,
    QTextFrameFormat,
)
from PySide6.QtWidgets import QTextBrowser, QWidget

from chat.conversation import Conversation, Message, MessageState
from chat.markdown.theme import COPY_SCHEME

from .earlier_messages import EarlierMessages
from .follow import Follower
from .message_footer import ACTION_SCHEME, TIPS, add_footer, parse
from .message_render import hide
from .reasoning_section import REASONING_SCHEME
from .reply_block import ReplyBlock, reasoning_seconds
from .styles import (
    ASSISTANT_BACKGROUND,
    ERROR_BACKGROUND,
    LIGHT,
    USER_BACKGROUND,
    Palette,
    char_format,
    frame_format,
)
from .welcome import WELCOME_SCHEME, WELCOME_TIPS

if TYPE_CHECKING:
    from chat.markdown.pane import PaneMarkdown
    from chat.session import Reply

__all__ = [
    "ASSISTANT_BACKGROUND",
    "CUT_OFF",
    "ERROR_BACKGROUND",
    "INTERRUPTED",
    "USER_BACKGROUND",
    "ConversationView",
    "ReplyBlock",
    "reply_title",
]

INTERRUPTED = "Interrupted: Parley closed before this reply had finished; the text is what came."
CUT_OFF = "This reply is still arriving in another Parley window, or was cut off."
WARM_UP = "# A\n\n- *b* `c`\n\n| d | e |\n|---|---|\n| 1 | 2 |\n\n```python\nf = 1\n```\n"
TAIL_MESSAGES = 40
"""A long branch is first drawn from this many of its last messages (a screenful or more)."""
BEFORE_MESSAGES = 2
"""A window opened on an earlier message starts this many messages before it."""
SIDE_GAP = 72  # a message leaves this much room on the far side, so the two roles stand apart
OPENED = ("http", "https", "mailto")
"""The only links a click opens (in the system's browser or mail program)."""


@dataclass(eq=False)
class Page:
    """A document of the pane and where each message is drawn in it."""

    document: QTextDocument
    first: int = 0
    """How many of the branch's first messages it leaves out (still to be drawn)."""
    last: int | None = None
    """Where its messages end, when it is a window that leaves out the latest (None: it
    goes on to the end of the branch)."""
    frames: dict[str, QTextFrame] = field(default_factory=dict)
    """The frame of each message drawn, by message id."""
    replies: dict[str, ReplyBlock] = field(default_factory=dict)
    blocks: dict[str, ReplyBlock] = field(default_factory=dict)
    prepending: bool = False
    """The next message drawn goes at the top, before the others."""
    keys_made: int = 0

    def new_key(self) -> int:
        """A key for the next reply drawn, never one used before in this page."""
        self.keys_made += 1
        return self.keys_made - 1

    @property
    def positions(self) -> dict[str, int]:
        """Where each message drawn starts now (messages drawn above move it)."""
        return {message_id: frame.firstPosition() for message_id, frame in self.frames.items()}

    def forget(self, frame: QTextFrame) -> None:
        """Forget what was drawn in ``frame`` (a message's, about to be removed)."""
        gone = [message_id for message_id, f in self.frames.items() if f == frame]
        for message_id in gone:
            del self.frames[message_id]
            self.blocks.pop(message_id, None)
        for key in [key for key, block in self.replies.items() if block.frame == frame]:
            del self.replies[key]


class ConversationView(QTextBrowser):
    """A read-only transcript: each message a shaded frame, the user's and the assistant's
    on opposite sides. It never loads anything itself: no image, no page, no file."""

    link_hovered = Signal(str)
    """The real target of the link under the mouse ("" when it leaves)."""
    action_requested = Signal(str, str)
    """(action, message id): a link of a message's action line was clicked (see TIPS)."""
    welcome_chosen = Signal(str)
    """A choice of the welcome was clicked ("look", "key" or "seed"; see gui/welcome.py)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setOpenLinks(False)
        self.setOpenExternalLinks(False)
        self.setPlaceholderText("Start the conversation below.")
        self.setAccessibleName("Conversation")
        self.colours = LIGHT
        self.body_format = char_format(LIGHT.text)
        self.header_format = char_format(LIGHT.muted, bold=True, small=True)
        self._markdown: PaneMarkdown | None = None
        self.clock: Callable[[], float] = time.monotonic
        self.follower = Follower(self)
        self.page = Page(self.new_document())
        """What is drawn: the document shown, and where each message is in it."""
        self._drawing = self.page
        """Where drawing goes: the page shown, or one being drawn out of sight."""
        self.setDocument(self.page.document)
        self.conversation: Conversation | None = None
        self.streaming = False
        """A reply streams into the page shown (it is not replaced meanwhile)."""
        self.welcoming = False
        """The page shown is the welcome of a first start."""
        self._batches = 0
        self._follow_due = False
        self.verticalScrollBar().actionTriggered.connect(self.on_bar_action_triggered)
        self.earlier = EarlierMessages(self)
        self.anchorClicked.connect(self.on_anchor_clicked)
        self.highlighted.connect(self.on_highlighted)
        self.follower.latest_wanted.connect(self.show_latest)

    def new_document(self) -> QTextDocument:
        """An empty document as the pane draws in: its margin, no undo (the text is only
        ever added by Parley), and the view as its parent, so that it asks the view's
        ``loadResource`` for every image (which loads nothing)."""
        document = QTextDocument(self)
        document.setDocumentMargin(14)
        document.setUndoRedoEnabled(False)
        document.setDefaultFont(self.font())
        return document

    @property
    def _frames(self) -> dict[str, QTextFrame]:
        return self._drawing.frames

    @property
    def _replies(self) -> dict[str, ReplyBlock]:
        return self._drawing.replies

    @property
    def _blocks(self) -> dict[str, ReplyBlock]:
        """The block of each assistant message drawn, by message id."""
        return self._drawing.blocks

    @contextmanager
    def drawing_into(self, page: Page) -> Iterator[None]:
        """Draw into ``page`` (out of sight) instead of the page shown."""
        self._drawing = page
        try:
            yield
        finally:
            self._drawing = self.page

    def show_page(self, page: Page) -> None:
        """Show ``page`` in place of the page shown."""
        old, self.page, self._drawing = self.page, page, page
        self.setDocument(page.document)
        old.document.deleteLater()
        self.welcoming = False

    def show_welcome(self, seed: str) -> None:
        """The welcome of a first start in the empty pane (see gui/welcome.py); the first
        message drawn takes its place."""
        from .welcome import welcome_html

        page = Page(self.new_document())
        page.document.setHtml(welcome_html(self.colours, seed))
        self.show_page(page)
        self.welcoming = True

    def _unwelcome(self) -> None:
        if self.welcoming:
            self.show_page(Page(self.new_document()))

    def prepend(self, conversation: Conversation, message: Message) -> None:
        """Draw ``message`` above the messages of the page shown; what the reader sees stays
        where it is (or at the bottom, while following)."""
        page, bar = self.page, self.verticalScrollBar()
        layout = page.document.documentLayout()
        value, height = bar.value(), layout.documentSize().height()
        edit = QTextCursor(page.document)
        edit.beginEditBlock()  # Qt lays the page out once, not after each of its pieces
        page.prepending = True
        try:
            self.draw(conversation, [message])
        finally:
            page.prepending = False
            edit.endEditBlock()
        page.first -= 1
        if self.follower.following:
            self.follower.to_bottom()
        else:
            self._scroll_to_value(value + layout.documentSize().height() - height)

    def append(self, conversation: Conversation, message: Message) -> None:
        """Draw ``message`` after the messages of the page shown, a window before the
        latest ones (out of sight below)."""
        page = self.page
        assert page.last is not None
        edit = QTextCursor(page.document)
        edit.beginEditBlock()
        try:
            self.draw(conversation, [message])
        finally:
            edit.endEditBlock()
        page.last += 1

    def trim(self, *, top: bool) -> None:
        """Take the first (``top``) or the last message out of the page shown, keeping what
        the reader sees where it is."""
        page = self.page
        frames = page.document.rootFrame().childFrames()
        if len(frames) < 2:
            return
        frame = frames[0] if top else frames[-1]
        page.forget(frame)
        cursor = QTextCursor(page.document)
        bar, layout = self.verticalScrollBar(), page.document.documentLayout()
        value, height = bar.value(), layout.documentSize().height()
        cursor.setPosition(frame.firstPosition() - 1)
        if top:
            cursor.setPosition(frames[1].firstPosition() - 1, QTextCursor.MoveMode.KeepAnchor)
        else:
            cursor.movePosition(QTextCursor.MoveOperation.End, QTextCursor.MoveMode.KeepAnchor)
        cursor.removeSelectedText()
        hide(page.document.begin())
        if top:
            page.first += 1
            self._scroll_to_value(value - (height - layout.documentSize().height()))
        else:
            count = page.first + len(page.frames)
            page.last = count
            self.follower.set_more_below(True)

    def _scroll_to_value(self, value: float) -> None:
        """Scroll to ``value`` of the page's new height at once: for a small change Qt
        tells the scroll bar of the new height only later, and would cut ``value`` to the
        old one."""
        bar = self.verticalScrollBar()
        height = self.page.document.documentLayout().documentSize().height()
        bar.setRange(0, max(0, round(height) - self.viewport().height()))
        bar.setValue(round(value))

    def on_bar_action_triggered(self, _action: int) -> None:
        """The reader scrolled (wheel, drag, keys) to an edge of a window of a long branch:
        the window moves on. Only the reader's scrolling counts: Qt's own, as it lays a new
        page out, passes both edges."""
        if self.conversation is None:
            return
        bar = self.verticalScrollBar()
        position = bar.sliderPosition()  # where the action takes the bar
        if position <= bar.minimum() and self.page.first > 0:
            self.earlier.move(self.conversation, earlier=True)
        elif position >= bar.maximum() and self.page.last is not None:
            self.earlier.move(self.conversation, earlier=False)

    def message_at_top(self) -> str:
        """The message at the top of the viewport ("" when none is)."""
        corner = self.viewport().rect().topLeft() + QPoint(4, 14)  # inside the frame margin
        at = self.cursorForPosition(corner).position()
        above = [(p, i) for i, p in self.page.positions.items() if p <= at]
        if not above and self.page.positions:  # above the first message's frame
            return min((p, i) for i, p in self.page.positions.items())[1]
        return max(above)[1] if above else ""

    def set_font_size(self, points: int) -> None:
        """Draw the conversation's text at ``points`` (0: the system's size); the formats
        of headers and code are relative to it, so they follow."""
        from PySide6.QtWidgets import QApplication

        size = float(points) if points > 0 else QApplication.font().pointSizeF()
        font = self.font()
        if font.pointSizeF() == size:
            return
        font.setPointSizeF(size)
        self.setFont(font)  # the pages drawn from now on (``new_document``)
        self.document().setDefaultFont(font)  # and the one shown

    def set_colours(self, colours: Palette) -> None:
        """Draw in ``colours`` from now on (``show_conversation`` draws what is shown again)."""
        if colours == self.colours:
            return
        self.colours = colours
        self.body_format = char_format(colours.text)
        self.header_format = char_format(colours.muted, bold=True, small=True)
        self._markdown = None  # made again in the new colours when next needed

    @property
    def markdown(self) -> PaneMarkdown:
        """The Markdown renderer of every message here, made at its first use (loading
        the parser and the highlighter takes about 120 ms: not before the window shows)."""
        if self._markdown is None:
            from chat.markdown.pane import PaneMarkdown

            self._markdown = PaneMarkdown(theme=self.colours.pane)
        return self._markdown

    def warm_up(self) -> None:
        """Render a sample once, out of the document, so that the first reply does not wait
        for the parser's and the highlighter's first use (about 60 ms here); Python's lexer
        is found on a worker thread meanwhile."""
        self.markdown.render(WARM_UP, 0, {}, wait=False)
        # The scroll bar moves on every frame of a stream: an opaque container keeps Qt
        # from painting the window, the splitter and the view's frame under it each time
        # (seen: six widgets painted its strip on every frame). Here, not at the start:
        # PySide takes about 16 ms to find the Python type of that private container.
        self.verticalScrollBar().parentWidget().setAutoFillBackground(True)

    def loadResource(self, type: int, name: QUrl) -> Any:
        """Nothing is ever fetched: not a remote image, not a local file."""
        return None

    def show_conversation(
        self, conversation: Conversation, live: Reply | None = None, at: str = ""
    ) -> ReplyBlock | None:
        """Replace the transcript with ``conversation``'s active branch. ``live`` is its reply
        still streaming, drawn as it stands; its block is returned, to go on in. The message
        ``at`` (an id) is among those drawn first.

        A long branch is drawn from its last messages (what is on screen), out of sight,
        then shown; the messages before them are then drawn above, in the background, up to
        a whole window (``EarlierMessages``). A message ``at`` before them opens a window of
        messages from it instead; its bottom is not the latest (``show_latest``). With a
        ``live`` reply the page reaches the end.
        """
        self.conversation = conversation
        self.follower.following = True
        self.streaming = False
        messages = conversation.messages
        start, last = self._bounds(messages, live, at)
        shown = messages[start:last]
        page = Page(self.new_document(), first=start, last=last)
        with self.drawing_into(page):
            live_block = self.draw(conversation, shown, live)
        self.show_page(page)
        self.follower.set_more_below(last is not None)
        if last is None:
            self.follower.to_bottom()
        self.earlier.start(conversation, live)
        return live_block

    @staticmethod
    def _bounds(messages: list[Message], live: Reply | None, at: str) -> tuple[int, int | None]:
        """The messages a page of ``messages`` shows first: from where, and to where."""
        start = max(0, len(messages) - TAIL_MESSAGES)
        index = next((i for i, m in enumerate(messages) if m.id == at), start) if at else start
        if index >= start:
            return start, None
        if live is not None:  # the reply streams into the page shown: it goes on to the end
            return index, None
        first = max(0, index - BEFORE_MESSAGES)
        last = first + TAIL_MESSAGES
        return first, (last if last < len(messages) else None)

    @property
    def more_below(self) -> bool:
        """The page shown is a window: the latest messages are not drawn in it."""
        return self.page.last is not None

    def show_latest(self) -> None:
        """Show the end of the conversation, when the page shown is a window before it
        (before anything is added at the end)."""
        if self.more_below and self.conversation is not None:
            self.show_conversation(self.conversation)

    def draw(
        self, conversation: Conversation, messages: list[Message], live: Reply | None = None
    ) -> ReplyBlock | None:
        """Draw ``messages`` at the end of the page being drawn; the block of ``live`` (a
        reply still streaming), when it is one of them."""
        live_block = None
        for message in messages:
            if live is not None and message is live.message:
                live_block = self._show_live(live)
            else:
                self._show_message(conversation, message)
        return live_block

    def scroll_to(self, message_id: str) -> bool:
        """Bring ``message_id`` to the top of the view; False when it is not shown."""
        if message_id not in self._frames:
            return False
        cursor = QTextCursor(self.document())
        cursor.setPosition(self._frames[message_id].firstPosition())
        bar = self.verticalScrollBar()
        bar.setValue(bar.maximum())  # so that the message can come to the top, not the bottom
        self.setTextCursor(cursor)
        self.ensureCursorVisible()
        return True

    def begin_live(self, title: str) -> ReplyBlock:
        """The block of a reply about to stream into the page shown."""
        self.streaming = True
        return self.begin_reply(title)

    def _show_live(self, live: Reply) -> ReplyBlock:
        message = live.message
        if self._drawing is self.page:
            self.streaming = True
        block = self.begin_reply(reply_title(message.provider or "Assistant", message.model))
        if message.note:
            block.add_note(message.note)
        if live.reasoning:
            block.append_reasoning(live.reasoning)
        if live.text:
            block.append(live.text)
        self.attach_reply(block, message)
        return block

    def _show_message(self, conversation: Conversation, message: Message) -> None:
        if message.role == "user":
            self.add_user(message.content, conversation, message)
            return
        block = self.begin_reply(reply_title(message.provider or "Assistant", message.model))
        self.attach_reply(block, message)
        if message.note:
            block.add_note(message.note)
        if message.reasoning:
            seconds = reasoning_seconds(message)
            block.show_reasoning(message.reasoning, seconds, expanded=not message.content)
        if message.content:
            block.append(message.content)
        block.finish()
        if message.state is MessageState.FAILED:
            block.fail(str(message.error or "") or "The reply failed.")
        elif message.state is MessageState.CANCELLED:
            block.stop()
        elif message.state is MessageState.INTERRUPTED:
            block.stop(INTERRUPTED)
        elif message.state in (MessageState.PENDING, MessageState.STREAMING):
            block.stop(CUT_OFF)
            return  # still arriving elsewhere: nothing to act on yet
        self._add_actions(block.frame, conversation, message)

    def attach_reply(self, block: ReplyBlock, message: Message) -> None:
        """``block`` shows ``message`` (a reply about to stream, or a stored one)."""
        self._frames[message.id] = block.frame
        self._blocks[message.id] = block

    def reply_ended(self, conversation: Conversation, message: Message) -> None:
        """A reply shown here has ended and its outcome is drawn: add its actions."""
        self.streaming = False
        block = self._blocks.get(message.id)
        if block is not None and conversation is self.conversation:
            self._add_actions(block.frame, conversation, message)
        if self.page.first and not self.earlier.drawing and self.conversation is not None:
            self.earlier.start(self.conversation, None)  # it was put off by the reply

    def add_user(
        self, text: str, conversation: Conversation | None = None, message: Message | None = None
    ) -> QTextFrame:
        """What the user typed, as plain text with its line breaks (and the actions of
        ``message``, when it is given)."""
        frame = self._add_frame("You", frame_format(self.colours.user_background, left=SIDE_GAP))
        with self.following():
            cursor = frame.lastCursorPosition()
            cursor.insertBlock()
            cursor.insertText(text, self.body_format)
        if conversation is not None and message is not None:
            self.conversation = conversation
            self._frames[message.id] = frame
            self._add_actions(frame, conversation, message)
        return frame

    def _add_actions(self, frame: QTextFrame, conversation: Conversation, message: Message) -> None:
        with self.following():
            add_footer(frame, conversation, message, self.colours)

    def begin_reply(self, title: str) -> ReplyBlock:
        """A new assistant message headed ``title``; its text arrives through the block."""
        frame = self._add_frame(
            title, frame_format(self.colours.assistant_background, right=SIDE_GAP)
        )
        block = ReplyBlock(self, frame, str(self._drawing.new_key()))
        self._replies[block.key] = block
        return block

    def _add_frame(self, title: str, fmt: QTextFrameFormat) -> QTextFrame:
        if self._drawing is self.page:
            self._unwelcome()
        document = self._drawing.document
        with self.following():
            cursor = QTextCursor(document)
            if not self._drawing.prepending:
                cursor.movePosition(QTextCursor.MoveOperation.End)
            frame = cursor.insertFrame(fmt)
            cursor.insertText(title, self.header_format)
            hide(document.begin())  # the empty block before the first message
        return frame

    @contextmanager
    def following(self) -> Iterator[None]:
        """Keep the view at the bottom across a change while it follows the stream (a page
        drawn out of sight has no view to keep; in a batch, once at its end)."""
        yield
        if self.follower.following and self._drawing is self.page:
            if self._batches:
                self._follow_due = True
            else:
                self.follower.to_bottom()

    @contextmanager
    def batch(self) -> Iterator[None]:
        """Changes that follow the stream once, at the end (scrolling makes Qt lay out the
        document up to its end: once a frame is enough)."""
        self._batches += 1
        try:
            yield
        finally:
            self._batches -= 1
            if not self._batches and self._follow_due:
                self._follow_due = False
                if self.follower.following:
                    self.follower.to_bottom()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self.follower.place()

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Leave:
            self.on_highlighted(QUrl())
        return super().event(event)

    # Slots.

    def on_anchor_clicked(self, url: QUrl) -> None:
        """A click on a link: a web or mail link opens outside; Copy and the reasoning
        header act here; anything else does nothing."""
        scheme = url.scheme().lower()
        if scheme == ACTION_SCHEME:
            if (found := parse(url.path())) is not None:
                self.action_requested.emit(*found)
        elif scheme == COPY_SCHEME:
            self._copy(url.path())
        elif scheme == REASONING_SCHEME:
            self._toggle_reasoning(url.path())
        elif scheme == WELCOME_SCHEME and self.welcoming:
            self.welcome_chosen.emit(url.path())
        elif scheme in OPENED:
            QDesktopServices.openUrl(url)

    def on_highlighted(self, url: QUrl) -> None:
        """The mouse is over a link (or left it): show where it really goes."""
        target = url.toString() if url.isValid() and not url.isEmpty() else ""
        scheme = url.scheme().lower()
        if scheme == ACTION_SCHEME:
            found = parse(url.path())
            tip = TIPS[found[0]] if found else ""
        elif scheme == COPY_SCHEME:
            tip = "Copy this code"
        elif scheme == REASONING_SCHEME:
            tip = "Show or hide the model's reasoning"
        elif scheme == WELCOME_SCHEME:
            tip = WELCOME_TIPS.get(url.path(), "")
        else:
            tip = target
        self.link_hovered.emit(target if scheme in OPENED else "")
        self.viewport().setToolTip(tip)  # Qt shows it while the mouse rests on the link

    def _copy(self, path: str) -> None:
        key, _, index = path.partition("/")
        part = "r" if key.endswith("r") else ""
        block = self._replies.get(key.removesuffix("r"))
        code = block.code(part, int(index)) if block is not None and index.isdigit() else None
        if code is not None:
            QGuiApplication.clipboard().setText(code)

    def _toggle_reasoning(self, key: str) -> None:
        block = self._replies.get(key.removesuffix("r"))
        if block is not None:
            block.reasoning.toggle()

    def copy_message(self, message_id: str, *, markdown: bool = False) -> bool:
        """Put a shown message on the clipboard: as Markdown (as written), or as the text the
        pane shows. False when it is not shown."""
        message = self.conversation.get(message_id) if self.conversation else None
        if message is None or message_id not in self._frames:
            return False
        text = message.content
        if not markdown and message.role == "assistant" and message_id in self._blocks:
            text = self._blocks[message_id].shown_text()
        QGuiApplication.clipboard().setText(text)
        return True

    def reply_blocks(self) -> list[ReplyBlock]:
        return list(self._replies.values())


def reply_title(provider: str, model: str | None) -> str:
    return f"{provider} · {model}" if model else provider
