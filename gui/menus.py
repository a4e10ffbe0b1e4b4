"""The window's menus, built from lists of actions."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu, QMenuBar


def add_menu(bar: QMenuBar, title: str, actions: Sequence[QAction | None]) -> QMenu:
    """A menu called ``title`` holding ``actions`` in their order (None: a separator)."""
    menu = bar.addMenu(title)
    fill_menu(menu, actions)
    return menu


def fill_menu(menu: QMenu, actions: Sequence[QAction | None]) -> None:
    """Add ``actions`` to ``menu`` in their order (None: a separator)."""
    for action in actions:
        if action is None:
            menu.addSeparator()
        else:
            menu.addAction(action)
