"""Light and dark: as the system says, or as the user chose (View → Theme). The widgets take
Qt's palette; the pane draws its messages and code in the matching colours."""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QAction, QActionGroup, QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication, QWidget

from .styles import DARK, LIGHT, Palette

CHOICES = (("system", "Follow the &system"), ("light", "&Light"), ("dark", "&Dark"))


def dark_palette() -> QPalette:
    """A dark palette for Qt's widgets (Fusion draws with it)."""
    palette = QPalette()
    colours = {
        QPalette.ColorRole.Window: "#1f2227",
        QPalette.ColorRole.WindowText: "#e6edf3",
        QPalette.ColorRole.Base: "#16181c",
        QPalette.ColorRole.AlternateBase: "#23272e",
        QPalette.ColorRole.ToolTipBase: "#2d333b",
        QPalette.ColorRole.ToolTipText: "#e6edf3",
        QPalette.ColorRole.PlaceholderText: "#8b949e",
        QPalette.ColorRole.Text: "#e6edf3",
        QPalette.ColorRole.Button: "#2a2f37",
        QPalette.ColorRole.ButtonText: "#e6edf3",
        QPalette.ColorRole.BrightText: "#ffffff",
        QPalette.ColorRole.Highlight: "#2f6feb",
        QPalette.ColorRole.HighlightedText: "#ffffff",
        QPalette.ColorRole.Link: "#7cb7ff",
        QPalette.ColorRole.LinkVisited: "#c297ff",
        QPalette.ColorRole.Light: "#3a404a",
        QPalette.ColorRole.Midlight: "#30353d",
        QPalette.ColorRole.Mid: "#262a31",
        QPalette.ColorRole.Dark: "#101215",
        QPalette.ColorRole.Shadow: "#000000",
    }
    for role, colour in colours.items():
        palette.setColor(role, QColor(colour))
    for role in (
        QPalette.ColorRole.WindowText,
        QPalette.ColorRole.Text,
        QPalette.ColorRole.ButtonText,
    ):
        palette.setColor(QPalette.ColorGroup.Disabled, role, QColor("#6e7681"))
    return palette


class Themes(QObject):
    """The theme in use; ``changed`` gives the pane's colours when it changes."""

    changed = Signal(object)

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.choice = "system"
        self.colours: Palette = LIGHT
        self._dark = False
        app = QApplication.instance()
        self._native = app.palette() if isinstance(app, QApplication) else QPalette()
        """The palette the platform gave (light is that one, not Qt's default)."""
        self.menu_actions = QActionGroup(self)
        for name, label in CHOICES:
            action = QAction(label, self.menu_actions)
            action.setCheckable(True)
            action.setData(name)
            action.setChecked(name == self.choice)
        QGuiApplication.styleHints().colorSchemeChanged.connect(self.on_color_scheme_changed)
        self._apply()

    def choose(self, choice: str) -> None:
        """Use ``choice``: "system", "light" or "dark" (anything else: "system")."""
        self.choice = choice if choice in dict(CHOICES) else "system"
        for action in self.menu_actions.actions():
            action.setChecked(action.data() == self.choice)
        self._apply()

    def system_is_dark(self) -> bool:
        return QGuiApplication.styleHints().colorScheme() == Qt.ColorScheme.Dark

    def _apply(self) -> None:
        dark = self.choice == "dark" or (self.choice == "system" and self.system_is_dark())
        colours = DARK if dark else LIGHT
        app = QApplication.instance()
        if isinstance(app, QApplication) and dark != self._dark:
            self._dark = dark
            light = app.style().standardPalette() if self.system_is_dark() else self._native
            app.setPalette(dark_palette() if dark else light)
            for widget in app.allWidgets():
                if sheet := widget.styleSheet():  # a styled widget keeps its old palette
                    widget.setStyleSheet(sheet)  # until its sheet is applied again
        if colours != self.colours:
            self.colours = colours
            self.changed.emit(colours)

    def on_color_scheme_changed(self, _scheme: Qt.ColorScheme) -> None:
        if self.choice == "system":
            self._apply()
