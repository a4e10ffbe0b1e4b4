"""Every control of the window has a name a screen reader says, Tab reaches each one, and at
800 px wide nothing is cut off."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QAccessible
from PySide6.QtWidgets import QApplication, QComboBox, QWidget
from pytestqt.qtbot import QtBot

from gui.main_window import MainWindow


def controls(window: MainWindow) -> list[QWidget]:
    """The visible widgets that take keyboard focus (a combo box's own line edit is
    reached through the box)."""
    return [
        w
        for w in window.findChildren(QWidget)
        if w.isVisibleTo(window)
        and not isinstance(w.parent(), QComboBox)
        and w.focusPolicy() & Qt.FocusPolicy.TabFocus
        and w.isEnabled()
        and w.window() is window
    ]


def spoken_name(widget: QWidget) -> str:
    interface = QAccessible.queryAccessibleInterface(widget)
    return interface.text(QAccessible.Text.Name) if interface is not None else ""


def test_every_control_has_an_accessible_name(window: MainWindow) -> None:
    window.find_bar.open()
    nameless = [
        f"{type(w).__name__} {w.objectName()}" for w in controls(window) if not spoken_name(w)
    ]
    assert nameless == []


def test_tab_reaches_every_control(window: MainWindow, qtbot: QtBot) -> None:
    qtbot.waitExposed(window)
    window.composer.editor.setFocus()
    wanted = set(controls(window))
    reached: set[QWidget] = set()
    for _ in range(4 * len(wanted)):
        focused = QApplication.focusWidget()
        if focused is not None:
            reached.add(focused)
        window.focusNextChild()
    missing = [f"{type(w).__name__}: {spoken_name(w)}" for w in wanted - reached]
    assert missing == []


def test_at_800_pixels_wide_nothing_is_cut_off(window: MainWindow, qtbot: QtBot) -> None:
    window.resize(800, 600)
    assert window.picker.select("Gone")  # "Gone — not working", a long entry
    qtbot.waitExposed(window)
    qtbot.wait(20)
    box = window.picker.provider_box
    assert box.width() >= box.sizeHint().width()
    picker = window.picker
    for child in picker.findChildren(QWidget):
        if child.isVisibleTo(picker) and child.parent() is picker:
            assert child.geometry().right() <= picker.width(), type(child).__name__
            assert child.width() >= min(child.minimumSizeHint().width(), child.sizeHint().width())
    pane = window.composer.parentWidget()
    assert window.composer.button.geometry().right() <= window.composer.width()
    assert pane.geometry().right() <= window.width()


def test_a_link_shows_where_it_goes_in_the_status_line(window: MainWindow) -> None:
    from PySide6.QtCore import QUrl

    window.view.on_highlighted(QUrl("https://example.com/page?q=1"))
    assert window.statusBar().currentMessage() == (
        "Opens https://example.com/page?q=1 in your browser"
    )
    window.view.on_highlighted(QUrl())
    assert window.statusBar().currentMessage() == ""
    window.view.on_highlighted(QUrl("javascript:alert(1)"))  # never opens: nothing to say
    assert window.statusBar().currentMessage() == ""
