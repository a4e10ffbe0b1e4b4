"""Light and dark in a real window: the widgets, the messages and the code blocks change
together, the choice is kept in the settings, and "system" follows the system."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QApplication

from chat.conversation import Conversation
from chat.markdown.code import background
from chat.markdown.theme import DARK_STYLE, LIGHT_STYLE
from chat.settings import Settings
from gui.main_window import MainWindow
from gui.styles import DARK, LIGHT


@pytest.fixture(autouse=True)
def light_again(qapp: QApplication) -> Iterator[None]:
    yield
    qapp.setPalette(qapp.style().standardPalette())  # the application outlives the test


def chat() -> Conversation:
    conversation = Conversation()
    conversation.add("user", "Show me code")
    conversation.add("assistant", "Here:\n\n```python\nprint('hi')\n```\n")
    return conversation


def choose(window: MainWindow, name: str) -> None:
    (action,) = [a for a in window.themes.menu_actions.actions() if a.data() == name]
    action.trigger()


def window_colour() -> str:
    return QApplication.palette().color(QPalette.ColorRole.Window).name()


async def test_dark_turns_the_widgets_the_messages_and_the_code_dark(window: MainWindow) -> None:
    window.set_settings(Settings.load())
    window._show(chat())
    assert window.view.colours is LIGHT
    light = window_colour()
    choose(window, "dark")
    assert window.view.colours is DARK
    assert window_colour() == "#1f2227" != light
    html = window.view.toHtml()
    assert DARK.user_background in html
    assert background(DARK_STYLE) in html
    assert background(LIGHT_STYLE) not in html
    assert "print" in window.view.toPlainText()
    assert window.settings is not None
    assert window.settings.get("theme") == "dark"
    await window.settings.save_in_background()
    assert Settings.load().get("theme") == "dark"
    choose(window, "light")
    assert window.view.colours is LIGHT
    assert LIGHT.user_background in window.view.toHtml()


async def test_the_saved_choice_is_used_and_system_follows_the_system(window: MainWindow) -> None:
    settings = Settings.load()
    settings.set("theme", "dark")
    window.set_settings(settings)
    assert window.view.colours is DARK
    checked = [a.data() for a in window.themes.menu_actions.actions() if a.isChecked()]
    assert checked == ["dark"]
    window.themes.choose("system")  # this test machine's system has no dark setting
    assert not window.themes.system_is_dark()
    assert window.view.colours is LIGHT
    window.themes.on_color_scheme_changed(Qt.ColorScheme.Light)
    assert window.view.colours is LIGHT
    window.themes.choose("mauve")  # not a theme: the system's
    assert window.themes.choice == "system"


def test_a_theme_that_is_not_one_is_refused_in_the_settings() -> None:
    settings = Settings.load()
    with pytest.raises(ValueError, match="not system, light or dark"):
        settings.set("theme", "mauve")
