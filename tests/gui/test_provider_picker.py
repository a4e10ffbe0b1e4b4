"""The provider dropdown lists every provider, marks the not-working ones; models follow."""

from __future__ import annotations

from collections.abc import AsyncIterator
from importlib.metadata import EntryPoint
from typing import Any, ClassVar

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from gui.provider_picker import ProviderPicker
from providers import AsyncGeneratorProvider, ProviderModelMixin, ProviderRegistry
from providers.legacy import as_provider
from providers.types import Chunk, Messages


class Quiet(AsyncGeneratorProvider):
    url = "http://127.0.0.1:9"

    @classmethod
    async def create_async_generator(  # type: ignore[override]
        cls, model: str, messages: Messages, proxy: str | None = None, **kwargs: Any
    ) -> AsyncIterator[Chunk]:
        yield ""


class Working(ProviderModelMixin, Quiet):
    label = "Alpha"
    working = True
    default_model = "b-2"
    models: ClassVar[list[str]] = ["a-1", "b-2", "c-3"]


class Broken(ProviderModelMixin, Quiet):
    label = "VoiGpt"
    working = False
    default_model = "gpt-4o-mini"


class Bare(Quiet):
    label = "Zed"
    working = True


@pytest.fixture
def picker(qtbot: QtBot) -> ProviderPicker:
    picker = ProviderPicker()
    qtbot.addWidget(picker)
    picker.populate(ProviderRegistry([Working, Broken, Bare]))
    return picker


def texts(picker: ProviderPicker) -> list[str]:
    box = picker.provider_box
    return [box.itemText(i) for i in range(box.count())]


def test_every_provider_is_listed_by_label(picker: ProviderPicker) -> None:
    assert texts(picker) == ["Alpha", "VoiGpt — not working", "Zed"]


def test_a_working_provider_and_its_default_model_are_preselected(picker: ProviderPicker) -> None:
    assert picker.current_provider() == as_provider(Working)
    box = picker.model_box
    assert [box.itemText(i) for i in range(box.count())] == ["a-1", "b-2", "c-3"]
    assert picker.current_model() == "b-2"


def test_a_not_working_provider_is_marked_and_still_selectable(picker: ProviderPicker) -> None:
    index = texts(picker).index("VoiGpt — not working")
    tip = picker.provider_box.itemData(index, Qt.ItemDataRole.ToolTipRole)
    assert "site may be gone" in tip
    assert "base URL" in tip
    assert picker.provider_box.model().flags(picker.provider_box.model().index(index, 0)) & (
        Qt.ItemFlag.ItemIsEnabled
    )
    picker.provider_box.setCurrentIndex(index)
    assert picker.current_provider() == as_provider(Broken)
    assert picker.current_model() == "gpt-4o-mini"
    assert "base URL" in picker.provider_box.toolTip()


def test_a_provider_without_models_leaves_the_model_empty_and_editable(
    picker: ProviderPicker,
) -> None:
    picker.provider_box.setCurrentIndex(texts(picker).index("Zed"))
    assert picker.current_model() == ""
    picker.model_box.setEditText("my-own-model")
    assert picker.current_model() == "my-own-model"


def test_a_provider_that_fails_to_load_is_shown_disabled(qtbot: QtBot) -> None:
    broken = EntryPoint("Missing", "providers.no_such_module:Missing", "parley.providers")
    picker = ProviderPicker()
    qtbot.addWidget(picker)
    picker.populate(ProviderRegistry([Bare], [broken]))
    assert texts(picker) == ["Zed", "Missing — failed to load"]
    model = picker.provider_box.model()
    assert not model.flags(model.index(1, 0)) & Qt.ItemFlag.ItemIsEnabled
    assert "no_such_module" in picker.provider_box.itemData(1, Qt.ItemDataRole.ToolTipRole)
    assert picker.current_provider() == as_provider(Bare)
