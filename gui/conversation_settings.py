"""The settings of one conversation: its system prompt (with saved presets), the options its
replies are asked with (those the chosen provider takes), and how much history is sent."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from chat.conversation_settings import checked_options, presets, remove_preset, save_preset
from chat.settings import SettingsError
from providers.contract import EFFORTS

if TYPE_CHECKING:
    from chat.conversation import Conversation
    from chat.settings import Settings
    from providers.contract import Provider

DEFAULT = "Service default"
NO_PRESET = "—"
MAX_TOKENS = 1_000_000


class ConversationSettings(QDialog):
    """Edits ``conversation``'s settings; OK applies them (``apply``)."""

    def __init__(
        self,
        conversation: Conversation,
        provider: Provider | None,
        settings: Settings | None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.conversation = conversation
        self.settings = settings
        self.presets_changed = False
        """A preset was saved or removed (the settings file needs saving)."""
        self.setWindowTitle("Conversation settings")
        self._build()
        self._fill(conversation)
        self._limit_to(provider)

    def _build(self) -> None:
        self.prompt = QPlainTextEdit(self)
        self.prompt.setAccessibleName("System prompt")
        self.prompt.setPlaceholderText("What the model is told before the conversation")
        self.preset_box = QComboBox(self)
        self.preset_box.setAccessibleName("Presets")
        self.preset_box.setToolTip("Put a saved system prompt in the box above")
        self.delete_preset = QPushButton("Delete preset", self)
        self.preset_name = QLineEdit(self)
        self.preset_name.setAccessibleName("Preset name")
        self.preset_name.setPlaceholderText("A name for the prompt above")
        self.save_preset_button = QPushButton("Save as preset", self)
        self.temperature = QDoubleSpinBox(self)
        self.temperature.setAccessibleName("Temperature")
        self.temperature.setRange(-0.1, 2.0)
        self.temperature.setSingleStep(0.1)
        self.temperature.setDecimals(2)
        self.temperature.setSpecialValueText(DEFAULT)
        self.max_tokens = QSpinBox(self)
        self.max_tokens.setAccessibleName("Max tokens")
        self.max_tokens.setRange(0, MAX_TOKENS)
        self.max_tokens.setSingleStep(256)
        self.max_tokens.setSpecialValueText(DEFAULT)
        self.effort = QComboBox(self)
        self.effort.setAccessibleName("Reasoning effort")
        self.effort.addItem(DEFAULT, "")
        for effort in EFFORTS:
            self.effort.addItem(effort.capitalize(), effort)
        self.history = QSpinBox(self)
        self.history.setAccessibleName("Send history")
        self.history.setRange(0, 10_000)
        self.history.setSpecialValueText("Every earlier turn")
        self.history.setPrefix("The last ")
        self.history.setSuffix(" questions")
        self.history.setToolTip("Send only the last N questions, with their replies, as history")
        self.not_taken = QLabel(self)
        self.not_taken.setWordWrap(True)
        self.not_taken.hide()
        self.problem = QLabel(self)
        self.problem.setWordWrap(True)
        self.problem.setStyleSheet("color: #8e1111;")
        self.problem.hide()
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        self.ok_button = buttons.button(QDialogButtonBox.StandardButton.Ok)
        form = QFormLayout()
        form.addRow("System &prompt", self.prompt)
        picked = QHBoxLayout()
        picked.addWidget(self.preset_box, 1)
        picked.addWidget(self.delete_preset)
        presets_label = QLabel("P&resets", self)
        presets_label.setBuddy(self.preset_box)
        form.addRow(presets_label, picked)
        saving = QHBoxLayout()
        saving.addWidget(self.preset_name, 1)
        saving.addWidget(self.save_preset_button)
        form.addRow("", saving)
        form.addRow("&Temperature", self.temperature)
        form.addRow("&Max tokens", self.max_tokens)
        form.addRow("Reasoning &effort", self.effort)
        form.addRow("Send &history", self.history)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.not_taken)
        layout.addWidget(self.problem)
        layout.addWidget(buttons)
        self.preset_box.activated.connect(self.on_preset_box_activated)
        self.delete_preset.clicked.connect(self.on_delete_preset_clicked)
        self.save_preset_button.clicked.connect(self.on_save_preset_clicked)
        self.resize(560, 480)

    def _fill(self, conversation: Conversation) -> None:
        self.prompt.setPlainText(conversation.system_prompt)
        options = checked_options(conversation.options)
        self.temperature.setValue(float(options.get("temperature", self.temperature.minimum())))
        self.max_tokens.setValue(int(options.get("max_tokens", 0)))
        self.effort.setCurrentIndex(max(0, self.effort.findData(options.get("reasoning_effort"))))
        self.history.setValue(conversation.history_turns)
        self._list_presets()

    def _list_presets(self) -> None:
        self.preset_box.clear()
        self.preset_box.addItem(NO_PRESET, "")
        for preset in presets(self.settings) if self.settings is not None else []:
            self.preset_box.addItem(preset.name, preset.prompt)
        has_settings = self.settings is not None
        for widget in (self.preset_box, self.preset_name, self.save_preset_button):
            widget.setEnabled(has_settings)
        self.delete_preset.setEnabled(False)

    def _limit_to(self, provider: Provider | None) -> None:
        """Options the provider does not take are turned off, and a line says so."""
        if provider is None:
            return
        fields = {
            "temperature": self.temperature,
            "max_tokens": self.max_tokens,
            "reasoning_effort": self.effort,
        }
        refused = [n for n in fields if n not in provider.supported_options]
        for name in refused:
            fields[name].setEnabled(False)
            fields[name].setToolTip(f"{provider.get_label()} does not take this option.")
        if not provider.supports_message_history:
            self.history.setEnabled(False)
            self.history.setToolTip(f"{provider.get_label()} is sent only the last question.")
        if refused:
            names = ", ".join(n.replace("_", " ") for n in refused)
            self.not_taken.setText(
                f"{provider.get_label()} does not take {names}; replies from it are asked "
                "without. They apply when you pick another provider."
            )
            self.not_taken.show()

    def values(self) -> dict[str, Any]:
        """The options as set (unset ones are left out)."""
        found: dict[str, Any] = {}
        if self.temperature.value() > self.temperature.minimum():
            found["temperature"] = round(self.temperature.value(), 2)
        if self.max_tokens.value():
            found["max_tokens"] = self.max_tokens.value()
        if effort := self.effort.currentData():
            found["reasoning_effort"] = effort
        return found

    def apply(self) -> None:
        """Write what the dialog holds into the conversation (other options are kept)."""
        kept = {
            n: v
            for n, v in self.conversation.options.items()
            if n not in ("temperature", "max_tokens", "reasoning_effort")
        }
        self.conversation.update(
            system_prompt=self.prompt.toPlainText().strip(),
            options={**kept, **self.values()},
            history_turns=self.history.value(),
        )

    def accept(self) -> None:
        self.apply()
        super().accept()

    # Slots.

    def on_preset_box_activated(self, index: int) -> None:
        prompt = self.preset_box.itemData(index)
        self.delete_preset.setEnabled(index > 0)
        if index > 0:
            self.prompt.setPlainText(str(prompt))
            self.preset_name.setText(self.preset_box.itemText(index))

    def on_save_preset_clicked(self) -> None:
        if self.settings is None:
            return
        try:
            preset = save_preset(self.settings, self.preset_name.text(), self.prompt.toPlainText())
        except SettingsError as error:
            self._say(f"The preset was not saved: {error}")
            return
        self.presets_changed = True
        self._list_presets()
        self.preset_box.setCurrentIndex(self.preset_box.findText(preset.name))
        self.delete_preset.setEnabled(True)
        self._say("")

    def on_delete_preset_clicked(self) -> None:
        index = self.preset_box.currentIndex()
        if self.settings is None or index <= 0:
            return
        remove_preset(self.settings, self.preset_box.itemText(index))
        self.presets_changed = True
        self._list_presets()

    def _say(self, text: str) -> None:
        self.problem.setText(text)
        self.problem.setVisible(bool(text))
