"""A provider's base URL and proxy, set in the Settings window, decide where its requests go."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import keyring.backends.fail
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QDialogButtonBox, QGroupBox, QLineEdit, QPlainTextEdit
from pytestqt.qtbot import QtBot

from chat.credentials import proxy_secret_name
from chat.secrets import KeyringSecretStore, MemorySecretStore, decode_cookies, secret_name
from chat.session import ChatSession
from chat.settings import Settings
from gui.main_window import MainWindow
from gui.provider_settings import ProviderForm
from gui.settings_window import SettingsWindow
from gui.tasks import TaskTracker
from providers.base import BaseProvider
from providers.registry import ProviderRegistry
from providers.seeds.aichat import Aichat
from tests.emulators.aichat import AichatEmulator
from tests.support.loopback import Gone, LoopbackServer
from tests.support.qt import next_signal, until


async def settings_window(
    tasks: TaskTracker, session: ChatSession, provider: type[BaseProvider], settings_file: Path
) -> AsyncIterator[MainWindow]:
    """The window with one provider, its own settings file and ``session``.

    Not handed to qtbot, which closes its windows before fixtures are torn down.
    """
    window = MainWindow(tasks)
    window.set_settings(Settings.load(settings_file))
    window.load_providers(ProviderRegistry([provider]))
    window.set_session(session)
    window.show()
    yield window
    window.close()
    await tasks.shutdown()
    window.deleteLater()


@pytest.fixture
async def gone_window(
    tasks: TaskTracker, http: aiohttp.ClientSession, tmp_path: Path
) -> AsyncIterator[MainWindow]:
    """The window with one not-working provider whose site (127.0.0.1:9) is unreachable."""
    session = ChatSession(MemorySecretStore(), http)
    async for window in settings_window(tasks, session, Gone, tmp_path / "settings.json"):
        yield window


async def open_dialog(qapp: QApplication, window: MainWindow) -> ProviderForm:
    """Trigger Settings and wait for its window (it opens once the keyring answered): the
    page of the provider picked."""

    def shown() -> list[SettingsWindow]:
        widgets = qapp.topLevelWidgets()
        return [w for w in widgets if isinstance(w, SettingsWindow) and w.isVisible()]

    window.settings_action.trigger()
    await until(shown)
    (settings,) = shown()
    provider = window.picker.current_provider()
    assert provider is not None
    return settings.form(provider.name)


def accept(form: ProviderForm) -> None:
    """OK in the Settings window of ``form``."""
    settings = form.window()
    assert isinstance(settings, SettingsWindow)
    settings.accept()


def reject(form: ProviderForm) -> None:
    settings = form.window()
    assert isinstance(settings, SettingsWindow)
    settings.reject()


def send(qtbot: QtBot, window: MainWindow, text: str) -> None:
    qtbot.keyClicks(window.composer.editor, text)
    qtbot.keyClick(window.composer.editor, Qt.Key.Key_Return)


async def test_unreachable_site_says_a_base_url_can_be_set(
    qtbot: QtBot, gone_window: MainWindow
) -> None:
    send(qtbot, gone_window, "hi")
    assert await next_signal(gone_window.reply_ended) == ("failed",)
    await until(lambda: "Could not reach 127.0.0.1:9" in gone_window.view.toPlainText())
    assert "base URL" in gone_window.view.toPlainText()


async def test_base_url_set_in_the_dialog_points_the_provider_at_a_mirror(
    qapp: QApplication,
    qtbot: QtBot,
    gone_window: MainWindow,
    server: LoopbackServer,
    tmp_path: Path,
) -> None:
    dialog = await open_dialog(qapp, gone_window)
    assert dialog.fields["base_url"].placeholderText() == Gone.url
    dialog.fields["base_url"].setText(server.url + "/")
    dialog.fields["proxy"].setText("")
    settings = dialog.window()
    qtbot.mouseClick(
        settings.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Ok),
        Qt.MouseButton.LeftButton,
    )
    assert not dialog.isVisible()
    send(qtbot, gone_window, "through the mirror")
    assert await next_signal(gone_window.reply_ended) == ("finished",)
    await until(lambda: "You said: through the mirror" in gone_window.view.toPlainText())
    saved = tmp_path / "settings.json"
    await until(lambda: saved.exists() and "model" in saved.read_text())
    data = json.loads(saved.read_text())
    assert data["providers"]["Gone"]["base_url"] == server.url
    assert data["settings"]["provider"] == "Gone"


async def test_a_bad_value_is_refused_in_place(qapp: QApplication, gone_window: MainWindow) -> None:
    dialog = await open_dialog(qapp, gone_window)
    dialog.fields["base_url"].setText("voigpt.com")
    accept(dialog)
    assert dialog.isVisible()
    assert dialog.error.text() == "Base URL: 'voigpt.com' is not an http:// or https:// URL."
    dialog.fields["base_url"].setText("")
    dialog.fields["proxy"].setText("gopher://x")
    accept(dialog)
    assert "Proxy: 'gopher://x' is not a proxy URL" in dialog.error.text()
    reject(dialog)
    assert gone_window.settings is not None
    assert gone_window.settings.provider("Gone", "base_url") == ""


async def test_the_last_provider_and_model_are_picked_again(
    qtbot: QtBot, tasks: TaskTracker, registry: ProviderRegistry, tmp_path: Path
) -> None:
    settings = Settings.load(tmp_path / "settings.json")
    settings.set("provider", "Gone")
    settings.set_provider("Gone", "model", "slow")
    window = MainWindow(tasks)
    qtbot.addWidget(window)
    window.set_settings(settings)
    window.load_providers(registry)
    assert window.picker.current_provider() is not None
    assert window.picker.current_provider().get_name() == "Gone"  # type: ignore[union-attr]
    assert window.picker.current_model() == "slow"


@pytest.fixture
async def aichat_window(
    tasks: TaskTracker, http: aiohttp.ClientSession, tmp_path: Path
) -> AsyncIterator[MainWindow]:
    """The window with the real Aichat provider and a memory secret store."""
    session = ChatSession(MemorySecretStore(), http)
    async for window in settings_window(tasks, session, Aichat, tmp_path / "settings.json"):
        yield window


async def test_cookies_pasted_in_the_dialog_reach_the_site(
    qapp: QApplication, qtbot: QtBot, aichat_window: MainWindow
) -> None:
    async with AichatEmulator() as site:
        dialog = await open_dialog(qapp, aichat_window)
        assert not dialog.secrets["cookies"].stored  # nothing stored yet
        (box,) = dialog.findChildren(QGroupBox)
        assert box.title() == "Credentials (kept for this session only)"  # a memory store
        dialog.fields["base_url"].setText(f"{site.url}/chat")
        cookies = dialog.secrets["cookies"].editor
        assert isinstance(cookies, QPlainTextEdit)
        cookies.setPlainText("Cookie: " + "; ".join(f"{k}={v}" for k, v in site.cookies.items()))
        accept(dialog)
        assert not dialog.isVisible()
        store = aichat_window.session.secrets  # type: ignore[union-attr]
        name = secret_name("Aichat", "cookies", site.url)
        await until(
            lambda: "saved for this session only" in aichat_window.statusBar().currentMessage()
        )
        assert decode_cookies(await store.get(name)) == site.cookies
        send(qtbot, aichat_window, "Hi")
        assert await next_signal(aichat_window.reply_ended) == ("finished",)
        await until(lambda: "Echo: Hi" in aichat_window.view.toPlainText())

        dialog = await open_dialog(qapp, aichat_window)
        assert dialog.secrets["cookies"].stored
        dialog.secrets["cookies"].remove_button.click()
        accept(dialog)
        await until(lambda: not store.names())  # type: ignore[attr-defined]


async def test_unreadable_cookies_are_refused_in_place(
    qapp: QApplication, aichat_window: MainWindow
) -> None:
    dialog = await open_dialog(qapp, aichat_window)
    cookies = dialog.secrets["cookies"].editor
    assert isinstance(cookies, QPlainTextEdit)
    cookies.setPlainText("this is not a cookie")
    accept(dialog)
    assert dialog.isVisible()
    assert dialog.error.text().startswith("Cookies: ")
    reject(dialog)


async def test_missing_cookies_error_points_to_provider_settings(
    qtbot: QtBot, aichat_window: MainWindow
) -> None:
    send(qtbot, aichat_window, "Hi")
    assert await next_signal(aichat_window.reply_ended) == ("failed",)
    await until(lambda: "Aichat requires cookies" in aichat_window.view.toPlainText())
    assert "Settings → Providers" in aichat_window.view.toPlainText()


@pytest.fixture
async def refusing_keyring_window(
    tasks: TaskTracker, http: aiohttp.ClientSession, tmp_path: Path
) -> AsyncIterator[MainWindow]:
    """Aichat, with a keyring that refuses every call (as a locked one does)."""
    session = ChatSession(KeyringSecretStore(keyring.backends.fail.Keyring()), http)
    async for window in settings_window(tasks, session, Aichat, tmp_path / "settings.json"):
        yield window


async def test_a_refusing_keyring_still_opens_the_dialog_and_says_what_to_do(
    qapp: QApplication, refusing_keyring_window: MainWindow
) -> None:
    window = refusing_keyring_window
    dialog = await open_dialog(qapp, window)
    assert "Unlock" in window.statusBar().currentMessage()
    dialog.fields["base_url"].setText("http://127.0.0.1:9/chat")
    cookies = dialog.secrets["cookies"].editor
    assert isinstance(cookies, QPlainTextEdit)
    cookies.setPlainText("Cookie: session=very-secret-value")
    accept(dialog)
    await until(lambda: "were not saved" in window.statusBar().currentMessage())
    message = window.statusBar().currentMessage()
    assert "Unlock" in message
    assert "very-secret-value" not in message
    assert window.settings is not None
    assert window.settings.provider("Aichat", "base_url") == "http://127.0.0.1:9/chat"


async def test_a_refusing_keyring_fails_the_reply_with_what_to_do(
    qtbot: QtBot, refusing_keyring_window: MainWindow
) -> None:
    send(qtbot, refusing_keyring_window, "Hi")
    assert await next_signal(refusing_keyring_window.reply_ended) == ("failed",)
    await until(lambda: "The keyring refused" in refusing_keyring_window.view.toPlainText())
    assert "Unlock" in refusing_keyring_window.view.toPlainText()


@pytest.fixture
async def unwritable_window(
    tasks: TaskTracker, http: aiohttp.ClientSession, tmp_path: Path
) -> AsyncIterator[MainWindow]:
    """The window whose settings file cannot be written: its folder is a file."""
    (tmp_path / "not-a-folder").write_text("", encoding="utf-8")
    session = ChatSession(MemorySecretStore(), http)
    path = tmp_path / "not-a-folder" / "settings.json"
    async for window in settings_window(tasks, session, Gone, path):
        yield window


async def test_settings_that_cannot_be_saved_say_where_and_what_to_do(
    qapp: QApplication, unwritable_window: MainWindow
) -> None:
    window = unwritable_window
    dialog = await open_dialog(qapp, window)
    dialog.fields["base_url"].setText("http://127.0.0.1:9/mirror")
    accept(dialog)
    await until(lambda: "could not be saved" in window.statusBar().currentMessage())
    message = window.statusBar().currentMessage()
    assert "not-a-folder/settings.json" in message
    assert "writable" in message
    assert "Something went wrong" not in message


async def test_a_proxy_password_goes_to_the_keyring_not_the_settings_file(
    qapp: QApplication, gone_window: MainWindow, tmp_path: Path
) -> None:
    dialog = await open_dialog(qapp, gone_window)
    dialog.fields["proxy"].setText("http://alice:pa%3Ass@127.0.0.1:3128")
    accept(dialog)
    assert not dialog.isVisible()
    proxy = "http://alice@127.0.0.1:3128"
    assert gone_window.settings is not None
    assert gone_window.settings.provider("Gone", "proxy") == proxy
    store = gone_window.session.secrets  # type: ignore[union-attr]
    await until(lambda: bool(store.names()))  # type: ignore[attr-defined]
    assert await store.get(proxy_secret_name(proxy)) == "pa:ss"
    saved = tmp_path / "settings.json"
    await until(saved.exists)
    assert "pa" + ":ss" not in saved.read_text()
    assert "pa%3Ass" not in saved.read_text()
    # What the file does hold: the proxy without its password, and nothing else of it.
    assert json.loads(saved.read_text())["providers"] == {"Gone": {"proxy": proxy}}


async def _saved(window: MainWindow) -> None:
    """Wait until the window says the credentials were stored (off the GUI thread)."""
    await until(lambda: "saved for this session only" in window.statusBar().currentMessage())
    window.statusBar().clearMessage()


async def test_a_proxy_password_is_never_shown_while_typed(
    qtbot: QtBot, qapp: QApplication, gone_window: MainWindow, tmp_path: Path
) -> None:
    dialog = await open_dialog(qapp, gone_window)
    proxy = dialog.fields["proxy"]
    password = dialog.proxy_password.editor
    assert isinstance(password, QLineEdit)
    assert password.echoMode() is QLineEdit.EchoMode.Password
    qtbot.keyClicks(proxy, "http://alice@127.0.0.1:3128")
    qtbot.keyClicks(password, "s3cret")
    assert "s3cret" not in proxy.text()
    proxy.clear()
    password.clear()
    # Pasted whole, the password leaves the visible field at once.
    proxy.setFocus()
    qapp.clipboard().setText("http://alice:pa%3Ass@127.0.0.1:3128")
    qtbot.keyClick(proxy, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    assert proxy.text() == "http://alice@127.0.0.1:3128"
    assert dialog.proxy_password.text() == "pa:ss"
    accept(dialog)
    await _saved(gone_window)
    store = gone_window.session.secrets  # type: ignore[union-attr]
    assert await store.get(proxy_secret_name("http://alice@127.0.0.1:3128")) == "pa:ss"
    await until((tmp_path / "settings.json").exists)  # written off the GUI thread
    saved = json.loads((tmp_path / "settings.json").read_text())
    assert saved["providers"]["Gone"]["proxy"] == "http://alice@127.0.0.1:3128"


async def test_a_password_needs_a_user_in_the_proxy_url(
    qapp: QApplication, gone_window: MainWindow
) -> None:
    dialog = await open_dialog(qapp, gone_window)
    dialog.fields["proxy"].setText("http://127.0.0.1:3128")
    dialog.proxy_password.set_text("s3cret")
    accept(dialog)
    assert dialog.isVisible()
    assert dialog.error.text().startswith("Proxy password: give the user name")
    assert "s3cret" not in dialog.error.text()
    reject(dialog)


async def test_removing_the_proxy_forgets_its_password(
    qapp: QApplication, gone_window: MainWindow
) -> None:
    store = gone_window.session.secrets  # type: ignore[union-attr]
    first, second = "http://alice@127.0.0.1:3128", "http://bob@127.0.0.1:3129"
    dialog = await open_dialog(qapp, gone_window)
    dialog.fields["proxy"].setText(first)
    dialog.proxy_password.set_text("one")
    accept(dialog)
    await _saved(gone_window)
    dialog = await open_dialog(qapp, gone_window)
    assert dialog.proxy_password.stored  # it says a password is stored
    dialog.fields["proxy"].setText(second)
    dialog.proxy_password.set_text("two")
    accept(dialog)
    await _saved(gone_window)
    assert await store.get(proxy_secret_name(first)) is None  # the old proxy's is gone
    assert await store.get(proxy_secret_name(second)) == "two"
    dialog = await open_dialog(qapp, gone_window)
    dialog.fields["proxy"].clear()
    accept(dialog)
    await _saved(gone_window)
    assert await store.get(proxy_secret_name(second)) is None


async def test_a_proxy_password_another_setting_uses_is_kept(
    qapp: QApplication, gone_window: MainWindow
) -> None:
    store = gone_window.session.secrets  # type: ignore[union-attr]
    shared = "http://alice@127.0.0.1:3128"
    assert gone_window.settings is not None
    gone_window.settings.set("proxy", shared)  # the global proxy, for every provider
    await store.set(proxy_secret_name(shared), "pw")
    dialog = await open_dialog(qapp, gone_window)
    dialog.fields["proxy"].setText(shared)
    accept(dialog)
    dialog = await open_dialog(qapp, gone_window)
    dialog.fields["proxy"].clear()
    accept(dialog)
    assert not dialog.isVisible()
    await until(lambda: gone_window.settings.provider("Gone", "proxy") == "")  # type: ignore[union-attr]
    assert await store.get(proxy_secret_name(shared)) == "pw"


async def test_the_dialog_opens_the_secret_store_to_say_where_secrets_go(
    qapp: QApplication, tasks: TaskTracker, http: aiohttp.ClientSession, tmp_path: Path
) -> None:
    from chat.secrets import DeferredSecretStore
    from chat.stored_names import StoredNames

    names = StoredNames(tmp_path / "stored-secrets.json")
    names.replace([])  # nothing stored: no read would open the store
    opened = MemorySecretStore(notice="Secrets are kept in memory for this session only.")

    async def open_store() -> MemorySecretStore:
        return opened

    async for window in settings_window(
        tasks, ChatSession(DeferredSecretStore(open_store, names), http), Aichat,
        tmp_path / "settings.json",
    ):  # fmt: skip
        dialog = await open_dialog(qapp, window)
        (box,) = dialog.findChildren(QGroupBox)
        assert box.title() == "Credentials (kept for this session only)"
        assert window.session is not None
        assert window.session.secrets.persistent is False
        reject(dialog)
