"""The provider and model dropdowns, filled from the registry and the chosen provider."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QSizePolicy, QToolButton, QWidget

if TYPE_CHECKING:  # at run time the classes arrive from the registry, after the first paint
    from collections.abc import Collection

    from providers.contract import Provider
    from providers.registry import ProviderRegistry

NOT_WORKING = "not working"
RUNNING = "running"
GREY = "#7a7f87"


def not_working_tip(label: str) -> str:
    return (
        f"{label} is marked as not working: its site may be gone or changed. You can still "
        "pick it, and set a base URL to point it at a mirror."
    )


def provider_models(provider: Provider) -> tuple[list[str], str]:
    """The models to offer for ``provider`` and the one to preselect."""
    return provider.get_models(), provider.default_model


class ProviderPicker(QWidget):
    """Two dropdowns: every registered provider (the not-working ones marked but selectable),
    and the chosen provider's models (editable, its default preselected)."""

    provider_changed = Signal()
    refresh_requested = Signal()
    """The user asked for the chosen provider's model list to be fetched again."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.provider_box = QComboBox(self)
        self.provider_box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        # Never narrower than its longest entry ("ChatGpt — not working"): the model box,
        # whose names can be typed and scrolled, gives way first in a narrow window.
        self.provider_box.setSizePolicy(QSizePolicy.Policy.Minimum, QSizePolicy.Policy.Fixed)
        self.provider_box.setAccessibleName("Provider")
        self.model_box = QComboBox(self)
        self.model_box.setEditable(True)
        self.model_box.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.model_box.setMinimumContentsLength(10)
        self.model_box.setAccessibleName("Model")
        if (edit := self.model_box.lineEdit()) is not None:
            edit.setAccessibleName("Model")
        self.model_box.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self._providers: list[Provider | None] = []
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        for text, box in (("&Provider", self.provider_box), ("&Model", self.model_box)):
            label = QLabel(text, self)
            label.setBuddy(box)
            layout.addWidget(label)
            layout.addWidget(box)
        self.refresh_button = QToolButton(self)
        self.refresh_button.setText("⟳")
        self.refresh_button.setToolTip("Fetch the provider's model list again")
        self.refresh_button.setAccessibleName("Refresh the model list")
        layout.addWidget(self.refresh_button)
        self.model_problem = QLabel(self)
        self.model_problem.setStyleSheet(f"color: {GREY};")
        self.model_problem.setText("⚠ built-in list")
        self.model_problem.hide()
        layout.addWidget(self.model_problem)
        self.provider_box.currentIndexChanged.connect(self.on_provider_box_changed)
        self.refresh_button.clicked.connect(self.refresh_requested)

    def populate(self, registry: ProviderRegistry, hidden: Collection[str] = ()) -> None:
        """List every provider in ``registry`` by label but the ``hidden`` ones (turned off
        in Settings); one that cannot be loaded is shown disabled, with the reason as its
        tooltip."""
        self.provider_box.blockSignals(True)
        self.provider_box.clear()
        self._providers.clear()
        loaded: list[Provider] = []
        broken: list[tuple[str, Exception]] = []
        for name in registry.names():
            if name in hidden:
                continue
            try:
                loaded.append(registry.get(name))
            except Exception as error:  # a broken plugin is shown, not fatal
                broken.append((name, error))
        for provider in sorted(loaded, key=lambda p: (not p.delegates, p.get_label().casefold())):
            self._add_provider(provider)
        for name, problem in broken:
            self._add_item(f"{name} — failed to load", None, f"{name}: {problem}")
            self._disable_last()
        self.provider_box.blockSignals(False)
        self.provider_box.setCurrentIndex(self._first_working())
        self.on_provider_box_changed()

    def _add_provider(self, provider: Provider) -> None:
        label = provider.get_label()
        if provider.working:
            self._add_item(label, provider, provider.url)
            return
        self._add_item(f"{label} — {NOT_WORKING}", provider, not_working_tip(label))
        self.provider_box.setItemData(
            self.provider_box.count() - 1, QBrush(QColor(GREY)), Qt.ItemDataRole.ForegroundRole
        )

    def _add_item(self, text: str, provider: Provider | None, tip: str) -> None:
        self.provider_box.addItem(text)
        self._providers.append(provider)
        index = self.provider_box.count() - 1
        self.provider_box.setItemData(index, tip, Qt.ItemDataRole.ToolTipRole)

    def _disable_last(self) -> None:
        model = self.provider_box.model()
        item = getattr(model, "item", None)
        if item is not None:
            item(self.provider_box.count() - 1).setEnabled(False)

    def _first_working(self) -> int:
        for index, provider in enumerate(self._providers):
            if provider is not None and provider.working and not provider.delegates:
                return index
        loaded = [i for i, p in enumerate(self._providers) if p is not None]
        return loaded[0] if loaded else -1

    def select(self, name: str, model: str = "") -> bool:
        """Pick the provider called ``name`` and, if given, ``model``; False if unknown."""
        for index, provider in enumerate(self._providers):
            if provider is not None and provider.get_name() == name:
                self.provider_box.setCurrentIndex(index)
                if model:
                    self.model_box.setEditText(model)
                return True
        return False

    def set_models(self, provider: Provider, models: list[str], problem: str = "") -> None:
        """Offer ``models`` for ``provider`` (if it is still the one chosen), keeping the
        model shown when it is one of them or was typed by the user; ``problem`` says why
        the list is not the service's own."""
        current = self.current_provider()
        if current is None or current.name != provider.name:
            return
        shown = self.current_model()
        self.model_box.blockSignals(True)
        self.model_box.clear()
        self.model_box.addItems(models)
        self.model_box.blockSignals(False)
        keep = shown if shown else (provider.default_model or (models[0] if models else ""))
        index = self.model_box.findText(keep)
        self.model_box.setCurrentIndex(index)
        self.model_box.setEditText(keep)
        self.model_problem.setVisible(bool(problem))
        self.model_problem.setToolTip(problem)
        self.model_box.setToolTip(problem)

    def providers(self) -> list[Provider]:
        """Every provider listed (the ones that loaded)."""
        return [provider for provider in self._providers if provider is not None]

    def mark_running(self, names: set[str]) -> None:
        """Show the local servers called ``names`` as running (found at start)."""
        for index, provider in enumerate(self._providers):
            if provider is not None and provider.name in names:
                text = self.provider_box.itemText(index)
                if not text.endswith(RUNNING):
                    self.provider_box.setItemText(index, f"{text} — {RUNNING}")
                    tip = f"{provider.get_label()} is running on this machine, at {provider.url}."
                    self.provider_box.setItemData(index, tip, Qt.ItemDataRole.ToolTipRole)

    def current_provider(self) -> Provider | None:
        index = self.provider_box.currentIndex()
        return self._providers[index] if 0 <= index < len(self._providers) else None

    def current_model(self) -> str:
        return self.model_box.currentText().strip()

    def on_provider_box_changed(self) -> None:
        provider = self.current_provider()
        self.model_box.clear()
        if provider is not None:
            models, default = provider_models(provider)
            self.model_box.addItems(models)
            if default and default not in models:
                self.model_box.insertItem(0, default)
            self.model_box.setCurrentIndex(self.model_box.findText(default) if default else -1)
            self.model_box.setEditText(default)
        self.model_problem.hide()
        self.model_box.setToolTip("")
        self.provider_box.setToolTip(self.provider_box.currentData(Qt.ItemDataRole.ToolTipRole))
        self.provider_changed.emit()
