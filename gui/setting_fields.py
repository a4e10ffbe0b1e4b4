"""A form's field for each setting of the declared table (chat.settings): the kind of field
comes from the setting's type, choices and field hint; a refused value is shown beside it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from chat.settings import Setting, SettingsError

ERROR_STYLE = "QLabel { color: #a1262d; }"
DARK_ERROR_STYLE = "QLabel { color: #ff8f85; }"


def error_style(widget: QWidget) -> str:
    """The style of a refusal's text: a red that reads on the widget's background, light or
    dark."""
    dark = widget.palette().window().color().lightness() < 128
    return DARK_ERROR_STYLE if dark else ERROR_STYLE


class SettingField(QWidget):
    """One setting's editor, with the place where a refusal of its value is said."""

    def __init__(
        self,
        setting: Setting,
        holder: QWidget,
        editor: QWidget,
        read: Callable[[], Any],
        write: Callable[[Any], None],
        parent: QWidget,
    ) -> None:
        super().__init__(parent)
        holder.setParent(self)
        self.setting = setting
        self.editor = editor
        self._read = read
        self._write = write
        self.error = QLabel(self)
        self.error.setWordWrap(True)
        self.error.hide()
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(2)
        column.addWidget(holder)
        column.addWidget(self.error)

    def raw(self) -> Any:
        """What the field holds, as typed or chosen."""
        return self._read()

    def set_value(self, value: Any) -> None:
        """Show ``value`` in the field."""
        self._write(value)

    def checked(self) -> Any:
        """The field's value as the setting takes it; a refusal is shown in place and
        raises ``SettingsError``."""
        try:
            value = self.setting.coerce(self.raw())
        except SettingsError as error:
            self.refuse(self.setting.reason(error))
            raise
        self.error.hide()
        return value

    def refuse(self, reason: str) -> None:
        self.error.setStyleSheet(error_style(self))
        self.error.setText(reason)
        self.error.setVisible(True)


def setting_field(
    setting: Setting,
    value: Any,
    parent: QWidget,
    *,
    choices: list[tuple[str, str]] | None = None,
) -> SettingField:
    """The field for ``setting`` showing ``value``. ``choices`` (value, label): a list to
    pick from for a setting whose choices are known only at run time (providers, models)."""
    holder = QWidget(parent)
    row = QHBoxLayout(holder)
    row.setContentsMargins(0, 0, 0, 0)
    editor: QWidget
    read: Callable[[], Any]
    write: Callable[[Any], None]
    listed = list(setting.choices) or choices
    if setting.type is bool:
        box = QCheckBox(holder)
        read, write = box.isChecked, lambda v: box.setChecked(bool(v))
        editor = box
    elif listed is not None and setting.field != "model":
        combo = QComboBox(holder)
        for choice, label in listed:
            combo.addItem(label, choice)
        read = lambda: combo.currentData()  # noqa: E731 - one line each, side by side

        def write(v: Any) -> None:
            combo.setCurrentIndex(max(combo.findData(v), 0))

        editor = combo
    elif setting.field == "model":
        model = QComboBox(holder)
        model.setEditable(True)
        for choice, label in listed or []:
            model.addItem(label, choice)
        line = model.lineEdit()
        assert line is not None
        line.setPlaceholderText("its provider's last one")
        read, write = lambda: model.currentText().strip(), lambda v: model.setEditText(str(v))
        editor = model
    elif setting.type in (int, float):
        number = QLineEdit(holder)
        number.setMaximumWidth(number.fontMetrics().horizontalAdvance("0") * 12)
        number.setPlaceholderText(_typed(setting.default) if setting.default else "")
        default = setting.default

        def read_number() -> Any:
            return number.text().strip() or default  # empty: the default

        read = read_number
        write = lambda v: number.setText("" if v == default == 0 else _typed(v))  # noqa: E731
        editor = number
        row.addWidget(number)
        if setting.unit:
            row.addWidget(QLabel(setting.unit, holder))
    else:
        edit = QLineEdit(holder)
        edit.setClearButtonEnabled(True)
        if setting.field == "proxy":
            edit.setPlaceholderText("none (e.g. http://user@127.0.0.1:3128)")
        elif setting.field == "file":
            edit.setPlaceholderText("none: the system's authorities only")
        read, write = edit.text, lambda v: edit.setText(_typed(v))
        editor = edit
        if setting.field == "file":
            row.addWidget(edit, 1)
            browse = QPushButton("&Browse…", holder)
            browse.setToolTip(f"Choose the file for {setting.label.replace('&', '')}")
            browse.clicked.connect(lambda: _choose_file(edit, setting))
            row.addWidget(browse)
    if row.indexOf(editor) < 0:
        row.addWidget(editor, 1)
    if setting.type in (bool, int, float):
        row.addStretch(1)
    else:
        row.setStretch(0, 1)
    editor.setToolTip(setting.description)
    editor.setAccessibleName(setting.label.replace("&", ""))
    field = SettingField(setting, holder, editor, read, write, parent)
    write(value)
    return field


def add_row(form: QFormLayout, field: SettingField) -> None:
    """``field`` under its label, the label a mnemonic for its editor."""
    label = QLabel(field.setting.label, field.parentWidget())
    label.setBuddy(field.editor)
    form.addRow(label, field)


def _typed(value: Any) -> str:
    """A value as a person types it: a number without a needless ``.0``."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _choose_file(edit: QLineEdit, setting: Setting) -> None:
    path, _ = QFileDialog.getOpenFileName(
        edit,
        setting.label.replace("&", ""),
        edit.text(),
        "Certificates (*.pem *.crt *.cer);;All files (*)",
    )
    if path:
        edit.setText(path)
