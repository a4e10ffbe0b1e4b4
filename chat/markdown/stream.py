"""A streaming reply's Markdown, rendered as it grows: a top-level block is rendered once,
when it is finished, and only the unfinished tail is rendered again on each update.

A block is finished once a later top-level block has started on a whole line (a fenced
block, as soon as its closing line is whole). Only whole lines decide: what a line means
can change until it ends. An open fenced block is itself cut into chunks (see
``code.chunk_end``), so a long one is highlighted chunk by chunk, never from its start
again. The pieces joined are exactly what the whole text renders to at once
(``PaneMarkdown.render``); the work of one update is proportional to the new text and the
tail, which ``parsed`` counts.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from markdown_it.token import Token

from .code import language_of
from .lists import OPENS
from .pane import Going, PaneMarkdown
from .tables import TableRun


@dataclass(frozen=True, slots=True)
class Update:
    """What to show after an update: ``frozen`` pieces to add for good, in order, then
    ``tail`` in place of the previous tail."""

    frozen: tuple[str, ...]
    tail: str


@dataclass(slots=True)
class _OpenFence:
    """A top-level fenced block still streaming: its opening line, and its code so far."""

    opening: str
    info: str
    index: int
    done: list[str] = field(default_factory=list)
    """The chunks of its code already shown for good."""


class MarkdownStream:
    """Turns the text of a reply, fed piece by piece, into rendered pieces."""

    def __init__(self, markdown: PaneMarkdown, key: str = "0") -> None:
        self._md = markdown
        self._key = key
        """The message's name in its Copy links."""
        self._pending = ""
        """The text not shown for good yet: the start of a block, or an open fence's code."""
        self._held_cr = False
        self._fence: _OpenFence | None = None
        self._next_code = 0
        self._codes: dict[int, str] = {}
        self._tail_codes: dict[int, str] = {}
        self._going: Going = None
        """The top-level list or table that ``_pending`` starts inside (its first items or
        rows are shown for good), or None. A table's header lines are parsed again before
        ``_pending``."""
        self.parsed = 0
        """Characters parsed or rendered so far (the measure of the work done)."""

    @property
    def unsettled(self) -> int:
        """Characters that the next update may parse again."""
        opening = len(self._fence.opening) if self._fence else 0
        head = len(self._going.head) if isinstance(self._going, TableRun) else 0
        return len(self._pending) + opening + head

    def feed(self, text: str) -> Update:
        """Add ``text``; the pieces finished by it, and the tail as it stands now."""
        self._pending += self._normalized(text)
        frozen = self._settle(final=False)
        return Update(tuple(frozen), self._tail())

    def finish(self) -> Update:
        """The text is complete: every piece left, for good."""
        if self._held_cr:
            self._pending += "\n"
            self._held_cr = False
        frozen = self._settle(final=True)
        self._tail_codes = {}
        return Update(tuple(frozen), "")

    def code(self, index: int) -> str | None:
        """The source of the message's ``index``-th code block, as far as it has come."""
        if index in self._tail_codes:
            return self._tail_codes[index]
        if self._fence is not None and index == self._fence.index:
            return "".join(self._fence.done)
        return self._codes.get(index)

    def _normalized(self, text: str) -> str:
        """``text`` with line ends as the parser makes them (a "\\r" waits for its "\\n")."""
        if self._held_cr:
            text = "\r" + text
        self._held_cr = text.endswith("\r")
        if self._held_cr:
            text = text[:-1]
        return text.replace("\r\n", "\n").replace("\r", "\n").replace("\0", "\ufffd")

    def _whole_lines(self, final: bool) -> str:
        return self._pending if final else self._pending[: self._pending.rfind("\n") + 1]

    def _parse(self, text: str) -> list[Token]:
        self.parsed += len(text)
        return self._md.blocks.parse(text)

    def _settle(self, *, final: bool) -> list[str]:
        """Freeze what is finished; what is left in ``_pending`` is the tail."""
        frozen: list[str] = []
        while True:
            if self._fence is not None:
                if not self._settle_fence(frozen, final=final):
                    return frozen
                continue
            prefix = self._going.head if isinstance(self._going, TableRun) else ""
            lines = self._whole_lines(final)
            text = prefix + lines if lines else ""
            tokens = self._parse(text) if text else []
            blocks = _top_level(tokens)
            if not blocks:
                if final:
                    self._pending = ""
                return frozen
            starts = _line_starts(text)
            skip = len(prefix)  # text is the prefix, then _pending's whole lines
            last = blocks[-1]
            done = blocks if final or (last.type == "fence" and _closed(last)) else blocks[:-1]
            for block in done:
                first, end = _lines(block)
                source = text[starts[first] : starts[end]]
                going_on = self._going if block is blocks[0] else None
                frozen.extend(self._freeze(block, source, going_on))
            if done:
                self._going = None  # the list or table it started inside, if any, has ended
            if final:
                self._pending = ""
                return frozen
            if done is blocks:  # a fence that closed: go on after it
                self._pending = self._pending[starts[_lines(last)[1]] - skip :]
                continue
            if last.type == "fence":
                self._open_fence(last, self._pending[starts[_lines(last)[0]] - skip :], frozen)
                continue
            going_on = self._going if last is blocks[0] else None
            cut = self._open_settled(text, starts, tokens, last, going_on, frozen)
            self._pending = self._pending[max(0, cut - skip) :]  # a table's header stays out
            return frozen

    def _open_settled(
        self,
        text: str,
        starts: list[int],
        tokens: list[Token],
        block: Token,
        going_on: Going,
        frozen: list[str],
    ) -> int:
        """Freeze what is finished of ``block``, the unfinished last block of ``text`` (its
        lines start at ``starts``): the items of a list but its last, the parts of a long
        table but its last; where in ``text`` what is not shown for good starts."""
        begin = starts[_lines(block)[0]]
        if block.type in OPENS:
            parts = _items(tokens, block)
            done = len(parts) - 1
        elif block.type == "table_open":
            parts = _rows(tokens, block)
            size = self._md.table_rows
            done = size * ((len(parts) - 1) // size) if parts else 0  # another row follows
        else:
            parts, done = [], 0
        self._going = going_on if parts else None
        if done <= 0:
            return begin
        cut = starts[_lines(parts[done])[0]]
        source = text[begin:cut]
        self.parsed += len(source)
        html, self._next_code, self._going = self._md.render_open(
            source, self._next_code, self._codes, self._key, going_on, goes_on=True
        )
        frozen.append(html)
        return cut

    def _open_fence(self, fence: Token, rest: str, frozen: list[str]) -> None:
        """Stream the fence ``rest`` starts with chunk by chunk; its label is shown now."""
        opening = rest[: rest.index("\n") + 1]
        self._fence = _OpenFence(opening, fence.info, self._next_code)
        self._next_code += 1
        frozen.append(self._md.code_label(language_of(fence.info), self._fence.index, self._key))
        self._pending = rest[len(opening) :]

    def _freeze(self, block: Token, source: str, going_on: Going) -> list[str]:
        if block.type == "fence":
            index = self._next_code
            self._next_code += 1
            self._codes[index] = block.content
            return self._md.fence_pieces(block.content, block.info, index, self._key)
        self.parsed += len(source)
        html, self._next_code = self._md.render(
            source, self._next_code, self._codes, self._key, going_on
        )
        return [html]

    def _settle_fence(self, frozen: list[str], *, final: bool) -> bool:
        """Freeze the open fence's finished chunks; True when it closed (or the text ended)
        and what follows it is in ``_pending``."""
        fence = self._fence
        assert fence is not None
        text = self._whole_lines(final)
        token = self._parse(fence.opening + text)[0]
        code, language = token.content, language_of(fence.info)
        pos = 0
        while (end := self._md.chunk_end(code, pos)) is not None:
            frozen.append(self._md.code_chunk(code[pos:end], language, last=False))
            fence.done.append(code[pos:end])
            pos = end
        closed = _closed(token)
        if not (closed or final):
            self._pending = _after_lines(self._pending, code[:pos].count("\n"))
            return False
        frozen.append(self._md.code_chunk(code[pos:], language, last=True))
        self._codes[fence.index] = "".join(fence.done) + code[pos:]
        self._fence = None
        if final:
            self._pending = _after_lines(text, _lines(token)[1] - 1) if closed else ""
        else:
            self._pending = _after_lines(text, _lines(token)[1] - 1) + self._pending[len(text) :]
        return True

    def _tail(self) -> str:
        """The unfinished tail rendered (its code blocks' sources kept for Copy)."""
        self._tail_codes = {}
        text = self._pending + ("\n" if self._held_cr else "")  # as it ends if nothing follows
        fence = self._fence
        if fence is not None:
            token = self._parse(fence.opening + text)[0]
            self._tail_codes[fence.index] = "".join(fence.done) + token.content
            code, language, pos, pieces = token.content, language_of(fence.info), 0, []
            while (end := self._md.chunk_end(code, pos)) is not None:  # a held "\r" ends a line
                pieces.append(self._md.code_chunk(code[pos:end], language, last=False, wait=False))
                pos = end
            pieces.append(self._md.code_chunk(code[pos:], language, last=True, wait=False))
            return "".join(pieces)
        if isinstance(self._going, TableRun):
            text = self._going.head + text
        self.parsed += len(text)
        html, _ = self._md.render(
            text, self._next_code, self._tail_codes, self._key, self._going, wait=False
        )
        return html


def _top_level(tokens: list[Token]) -> list[Token]:
    """The tokens that open (or are) a top-level block."""
    return [t for t in tokens if t.level == 0 and t.nesting >= 0 and t.map is not None]


def _items(tokens: list[Token], block: Token) -> list[Token]:
    """The items of the top-level list ``block`` opens (one of ``tokens``)."""
    start = next(i for i, token in enumerate(tokens) if token is block)
    close = OPENS[block.type]
    items = []
    for token in tokens[start + 1 :]:
        if token.level == 0 and token.type == close:
            break
        if token.level == 1 and token.type == "list_item_open":
            items.append(token)
    return items


def _rows(tokens: list[Token], block: Token) -> list[Token]:
    """The body rows of the top-level table ``block`` opens (one of ``tokens``)."""
    start = next(i for i, token in enumerate(tokens) if token is block)
    rows, in_body = [], False
    for token in tokens[start + 1 :]:
        if token.level == 0 and token.type == "table_close":
            break
        if token.type == "tbody_open":
            in_body = True
        elif in_body and token.type == "tr_open":
            rows.append(token)
    return rows


def _lines(token: Token) -> tuple[int, int]:
    assert token.map is not None
    return token.map[0], token.map[1]


def _closed(fence: Token) -> bool:
    """Whether a fence token has its closing line (its lines: opening, code, closing)."""
    start, end = _lines(fence)
    code = fence.content
    code_lines = code.count("\n") + (1 if code and not code.endswith("\n") else 0)
    return end - start - 1 - code_lines == 1


def _line_starts(text: str) -> list[int]:
    """Where each line of ``text`` starts, then its end."""
    starts = [0]
    pos = text.find("\n")
    while pos != -1:
        starts.append(pos + 1)
        pos = text.find("\n", pos + 1)
    if starts[-1] != len(text):
        starts.append(len(text))
    return starts


def _after_lines(text: str, count: int) -> str:
    """``text`` after its first ``count`` lines."""
    pos = 0
    for _ in range(count):
        newline = text.find("\n", pos)
        if newline == -1:
            return ""
        pos = newline + 1
    return text[pos:]
