"""The Export dialog: which format, which conversations, and what of them to include."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from chat.transcript.options import FORMATS, ExportOptions, Format

FORMAT_LABELS: dict[Format, str] = {
    "md": "Markdown",
    "txt": "Plain text",
    "json": "JSON",
    "html": "HTML",
    "pdf": "PDF",
}
BRANCHES = "Every branch"
BRANCHES_TIP = "Every version of an edited question or a retried reply, not only the one shown"
JSON_BRANCHES_TIP = "JSON always keeps every branch: it holds all of a conversation"
REASONING = "Include the model's reasoning"
REASONING_TIP = "The model's thinking before its reply, where it was kept"
JSON_REASONING_TIP = "JSON always keeps the reasoning: it holds all of a conversation"


@dataclass(frozen=True, slots=True)
class Scope:
    """A choice of what to export: ``key`` ("this", "selected", "all") and its label."""

    key: str
    label: str


@dataclass(frozen=True, slots=True)
class ExportChoice:
    fmt: Format
    scope: str
    options: ExportOptions


class ExportDialog(QDialog):
    """Asks for a format, one of ``scopes`` and the options; Export… accepts it."""

    def __init__(
        self, scopes: Sequence[Scope], *, fmt: Format, scope: str, parent: QWidget | None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Export")
        self.formats = QComboBox(self)
        for key in FORMATS:
            self.formats.addItem(FORMAT_LABELS[key], key)
        self.scopes = QButtonGroup(self)
        self.scope_buttons: dict[str, QRadioButton] = {}
        for each in scopes:
            button = QRadioButton(each.label, self)
            self.scopes.addButton(button)
            self.scope_buttons[each.key] = button
        self.scope_buttons.get(scope, self.scopes.buttons()[0]).setChecked(True)
        self.branches = QCheckBox(BRANCHES, self)
        self.reasoning = QCheckBox(REASONING, self)
        self._wanted = (False, False)
        """The two boxes as the person left them, put back when JSON is no longer chosen."""
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel, self)
        self.export_button = self.buttons.addButton(
            "Export…", QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.export_button.setDefault(True)
        self._lay_out()
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.formats.currentIndexChanged.connect(self.on_formats_current_index_changed)
        self.formats.setCurrentIndex(FORMATS.index(fmt))
        self.on_formats_current_index_changed()

    def _lay_out(self) -> None:
        form = QFormLayout()
        form.addRow("&Format:", self.formats)
        for number, button in enumerate(self.scopes.buttons()):
            form.addRow("Export:" if number == 0 else "", button)
        form.addRow("Options:", self.branches)
        form.addRow("", self.reasoning)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addSpacing(8)
        layout.addWidget(self.buttons)

    def set_label(self, key: str, label: str) -> None:
        """Change the label of the choice ``key`` (a count that came later)."""
        if (button := self.scope_buttons.get(key)) is not None:
            button.setText(label)

    def choice(self) -> ExportChoice:
        fmt: Format = self.formats.currentData()
        scope = next(k for k, b in self.scope_buttons.items() if b.isChecked())
        if fmt == "json":  # everything, whatever the boxes say
            return ExportChoice(fmt, scope, ExportOptions(all_branches=True, reasoning=True))
        options = ExportOptions(
            all_branches=self.branches.isChecked(), reasoning=self.reasoning.isChecked()
        )
        return ExportChoice(fmt, scope, options)

    def on_formats_current_index_changed(self) -> None:
        json = self.formats.currentData() == "json"
        if json and self.branches.isEnabled():
            self._wanted = (self.branches.isChecked(), self.reasoning.isChecked())
        for box, wanted, tip, json_tip in (
            (self.branches, self._wanted[0], BRANCHES_TIP, JSON_BRANCHES_TIP),
            (self.reasoning, self._wanted[1], REASONING_TIP, JSON_REASONING_TIP),
        ):
            if json or not box.isEnabled():
                box.setChecked(json or wanted)
            box.setEnabled(not json)
            box.setToolTip(json_tip if json else tip)
