"""The composer: Enter sends, Shift+Enter breaks the line, blank input never sends, Send/Stop."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from gui.composer import ComposerBar


@pytest.fixture
def bar(qtbot: QtBot) -> ComposerBar:
    bar = ComposerBar()
    qtbot.addWidget(bar)
    bar.set_ready(True)
    return bar


def collect(bar: ComposerBar) -> list[str]:
    sent: list[str] = []
    bar.send_requested.connect(sent.append)
    return sent


def test_enter_sends_and_clears(qtbot: QtBot, bar: ComposerBar) -> None:
    sent = collect(bar)
    qtbot.keyClicks(bar.editor, "hello")
    qtbot.keyClick(bar.editor, Qt.Key.Key_Return)
    assert sent == ["hello"]
    assert bar.editor.toPlainText() == ""


def test_keypad_enter_sends_too(qtbot: QtBot, bar: ComposerBar) -> None:
    sent = collect(bar)
    qtbot.keyClicks(bar.editor, "hi")
    qtbot.keyClick(bar.editor, Qt.Key.Key_Enter, Qt.KeyboardModifier.KeypadModifier)
    assert sent == ["hi"]


def test_shift_enter_inserts_a_new_line(qtbot: QtBot, bar: ComposerBar) -> None:
    sent = collect(bar)
    qtbot.keyClicks(bar.editor, "one")
    qtbot.keyClick(bar.editor, Qt.Key.Key_Return, Qt.KeyboardModifier.ShiftModifier)
    qtbot.keyClicks(bar.editor, "two")
    assert sent == []
    assert bar.editor.toPlainText() == "one\ntwo"
    qtbot.keyClick(bar.editor, Qt.Key.Key_Return)
    assert sent == ["one\ntwo"]


@pytest.mark.parametrize("text", ["", "   ", "\t "])
def test_blank_input_does_not_send(qtbot: QtBot, bar: ComposerBar, text: str) -> None:
    sent = collect(bar)
    qtbot.keyClicks(bar.editor, text)
    qtbot.keyClick(bar.editor, Qt.Key.Key_Return)
    qtbot.mouseClick(bar.button, Qt.MouseButton.LeftButton)
    assert sent == []


def test_nothing_is_sent_before_the_session_is_ready(qtbot: QtBot, bar: ComposerBar) -> None:
    sent = collect(bar)
    bar.set_ready(False)
    assert not bar.button.isEnabled()
    qtbot.keyClicks(bar.editor, "early")
    qtbot.keyClick(bar.editor, Qt.Key.Key_Return)
    assert sent == []
    assert bar.editor.toPlainText() == "early"


def test_send_turns_into_stop_while_busy(qtbot: QtBot, bar: ComposerBar) -> None:
    sent = collect(bar)
    stops: list[bool] = []
    bar.stop_requested.connect(lambda: stops.append(True))
    assert bar.button.text() == "Send"
    bar.set_busy(True)
    assert bar.button.text() == "Stop"
    qtbot.keyClicks(bar.editor, "queued")
    qtbot.keyClick(bar.editor, Qt.Key.Key_Return)  # Enter never stops a reply
    assert (sent, stops) == ([], [])
    qtbot.mouseClick(bar.button, Qt.MouseButton.LeftButton)
    assert stops == [True]
    bar.set_busy(False)
    assert bar.button.text() == "Send"
    qtbot.mouseClick(bar.button, Qt.MouseButton.LeftButton)
    assert sent == ["queued"]
