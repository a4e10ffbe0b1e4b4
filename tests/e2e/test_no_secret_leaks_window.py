"""The promise, proved through the window: a secret typed into Settings goes into the OS
keyring and nowhere else.

The real app (``gui.app.main``, the suite's Secret Service, every file under PARLEY_HOME)
gets a secret of its own for every provider kind, typed as a person types it into the
Settings window: API keys, an endpoint's key and secret header, cookies, a proxy password.
Then it chats with each, fails with each (401 and 403), goes through a proxy that wants the
password, exports every format, changes a few settings and quits. Every file it wrote, the
exports, everything printed and every log record are then searched for each secret, as it
is and URL- or base64-encoded (see tests/e2e/test_no_secret_leaks.py, the command line's
half): there must be no hit.
"""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import keyring.backends.SecretService
import pytest
from aiohttp import web
from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import QApplication

from chat.conversation import MessageState
from chat.secrets import SERVICE, _listed_names
from chat.transcript.options import FORMATS
from gui.app import main
from gui.endpoint_dialog import EndpointDialog
from gui.main_window import MainWindow
from gui.provider_settings import ProviderForm
from gui.settings_window import SettingsWindow
from gui.start import new_window
from gui.tasks import TaskTracker
from providers.registry import ProviderRegistry
from tests.chat.test_secrets import NO_SERVICE, _secret_service_problem, _skip_or_fail
from tests.e2e.test_no_secret_leaks import encodings, files_under, secret
from tests.emulators.aichat import AichatEmulator
from tests.emulators.anthropic import AnthropicEmulator
from tests.emulators.gemini import GeminiEmulator
from tests.emulators.openai import OpenAIEmulator
from tests.emulators.voigpt import VoiGptEmulator
from tests.support.loopback import serve_on_loopback
from tests.support.qt import next_signal, pane_text, until

pytestmark = pytest.mark.keyring

SLOW = 30.0
"""Seconds to wait for work on a thread (the keyring, a PDF) on a shared machine."""
FORBIDDEN = (403, json.dumps({"error": {"message": "forbidden"}}), {})


@pytest.fixture(autouse=True)
def _keyring() -> Iterator[None]:
    """The suite's Secret Service, left as it was found (as in the command line's half)."""
    if (problem := _secret_service_problem()) is not None:
        _skip_or_fail(f"{NO_SERVICE} ({problem})")
    backend = keyring.backends.SecretService.Keyring()
    before = set(_listed_names(backend, SERVICE) or ())
    yield
    for name in set(_listed_names(backend, SERVICE) or ()) - before:
        backend.delete_password(SERVICE, name)


@pytest.fixture(autouse=True)
def _no_keys_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """The window starts at a provider's real site: a key in the environment (a developer's
    ANTHROPIC_API_KEY) would be sent there, and used in place of the ones typed here."""
    for provider in ProviderRegistry.from_entry_points().available()[0]:
        for variable in provider.key_env:
            monkeypatch.delenv(variable, raising=False)


@pytest.fixture(autouse=True)
def _qt_dialogs() -> Iterator[None]:
    """Qt's own file dialogs, which a test can answer (a desktop's would wait for a person)."""
    attribute = Qt.ApplicationAttribute.AA_DontUseNativeDialogs
    before = QCoreApplication.testAttribute(attribute)
    QCoreApplication.setAttribute(attribute, True)
    yield
    QCoreApplication.setAttribute(attribute, before)


@pytest.fixture
async def proxy() -> AsyncIterator[tuple[str, list[str]]]:
    """A proxy on loopback that wants a password: it records each request's
    Proxy-Authorization and answers 407 (its URL, and what it was sent)."""
    seen: list[str] = []

    async def handler(request: web.Request) -> web.Response:
        seen.append(request.headers.get("Proxy-Authorization", ""))
        headers = {"Proxy-Authenticate": 'Basic realm="test"'}
        return web.Response(status=407, text="Proxy authentication required", headers=headers)

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", handler)
    runner, url = await serve_on_loopback(app)
    yield url, seen
    await runner.cleanup()


def shown(app: QApplication) -> list[SettingsWindow]:
    return [w for w in app.topLevelWidgets() if isinstance(w, SettingsWindow) and w.isVisible()]


async def open_settings(qapp: QApplication, window: MainWindow) -> SettingsWindow:
    window.settings_action.trigger()
    await until(lambda: shown(qapp), within=SLOW)
    (settings,) = shown(qapp)
    return settings


async def check_works(form: ProviderForm) -> None:
    """Test connection, as the form has it: it works."""
    form.test_button.click()
    await until(lambda: "works" in form.test_result.text(), within=SLOW)


async def settled(tasks: TaskTracker) -> None:
    """What the last step started (secrets stored, model lists, saves) has ended."""
    await until(lambda: not tasks.running, within=SLOW)


async def say(
    window: MainWindow, tasks: TaskTracker, provider: str, model: str = ""
) -> MessageState:
    """A new conversation with ``provider``: "Hi" sent from the composer; how its reply ended."""
    window.new_conversation()
    assert window.picker.select(provider, model)
    await settled(tasks)  # its model list
    window.composer.editor.setPlainText(f"Hi {provider}")
    window.composer.button.click()
    await next_signal(window.reply_ended, within=SLOW)
    await until(lambda: window.replies.settled)
    await settled(tasks)
    return window.conversation.messages[-1].state


async def export_everything(
    window: MainWindow, tasks: TaskTracker, folder: Path, count: int
) -> None:
    """Every format, all ``count`` conversations, through File → Export… and its file
    dialog."""
    for fmt in FORMATS:
        window.transcripts.export_action.trigger()
        await until(lambda: window.transcripts.export_dialog is not None)
        dialog = window.transcripts.export_dialog
        assert dialog is not None
        await settled(tasks)  # the count of them all
        dialog.formats.setCurrentIndex(FORMATS.index(fmt))
        dialog.scope_buttons["all"].setChecked(True)
        if fmt != "json":
            dialog.branches.setChecked(True)
            dialog.reasoning.setChecked(True)
        dialog.export_button.click()
        await until(lambda: window.transcripts.file_dialog is not None)
        chosen = window.transcripts.file_dialog
        assert chosen is not None
        where = folder / (f"all.{fmt}" if fmt == "json" else fmt)
        if fmt != "json":
            where.mkdir(parents=True)
        chosen.selectFile(str(where))
        chosen.accept()
        await until(lambda: window.transcripts.notice.isVisible(), within=SLOW)
        await settled(tasks)
        notice = window.transcripts.notice.text()
        assert notice.startswith(f"Exported {count} conversations as"), notice
        window.transcripts.notice.hide()


async def test_no_secret_typed_into_the_window_is_written_anywhere_but_the_keyring(
    qapp: QApplication,
    tmp_path: Path,
    proxy: tuple[str, list[str]],
    capfd: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    proxy_url, proxy_seen = proxy
    secrets = {kind: secret(kind) for kind in ("openai", "anthropic", "gemini", "mine", "gate")}
    secrets["proxy"] = secret("proxy")
    secrets["gemini proxy"] = secret("gemini-proxy")
    exports = tmp_path / "exports"
    async with (
        OpenAIEmulator() as openai,
        AnthropicEmulator() as anthropic,
        GeminiEmulator() as gemini,
        OpenAIEmulator() as mine,
        AichatEmulator() as aichat,
        VoiGptEmulator() as voigpt,
    ):
        emulators = {"OpenAI": openai, "Anthropic": anthropic, "Gemini": gemini}
        for provider, emulator in emulators.items():
            emulator.key = secrets[provider.lower()]
        mine.key = secrets["mine"]
        secrets.update({f"cookie {name}": value for name, value in aichat.cookies.items()})
        models = {provider: emulator.models[0] for provider, emulator in emulators.items()}
        window, tasks = started = new_window()
        window.show()
        app = asyncio.ensure_future(main(qapp, shown=started))
        await until(lambda: window.session is not None and window.settings_action.isEnabled())

        # Every secret typed into Settings, as a person does.
        settings = await open_settings(qapp, window)
        for provider, emulator in emulators.items():
            assert settings.show_provider(provider)
            form = settings.form(provider)
            form.fields["base_url"].setText(emulator.base_url)
            form.secrets["api_key"].set_text(secrets[provider.lower()])
            await check_works(form)  # with the key as typed, not stored yet
        assert settings.show_provider("Aichat")
        form = settings.form("Aichat")
        form.fields["base_url"].setText(f"{aichat.url}/chat")
        cookie = "Cookie: " + "; ".join(f"{k}={v}" for k, v in aichat.cookies.items())
        form.secrets["cookies"].set_text(cookie)
        assert settings.show_provider("VoiGpt")
        settings.form("VoiGpt").fields["base_url"].setText(voigpt.url)
        settings.add_endpoint.click()
        await until(lambda: settings.findChild(EndpointDialog) is not None)
        dialog = settings.findChild(EndpointDialog)
        assert dialog is not None
        dialog.name.setText("Mine")
        dialog.base_url.setText(mine.base_url)
        dialog.key.setText(secrets["mine"])
        dialog.add_header("X-Gateway-Key", secrets["gate"], secret=True)
        dialog.accept()
        await until(lambda: settings.current_name() == "Mine")
        settings.accept()
        await settled(tasks)
        backend = keyring.backends.SecretService.Keyring()
        kept = {backend.get_password(SERVICE, n) for n in _listed_names(backend, SERVICE) or ()}
        assert {secrets[k] for k in ("openai", "anthropic", "gemini", "mine", "gate")} <= kept
        for value in aichat.cookies.values():
            assert any(value in each for each in kept if each)  # in the stored cookies

        # Chat with each.
        for provider in emulators:
            assert await say(window, tasks, provider, models[provider]) is MessageState.COMPLETE
        assert await say(window, tasks, "Mine", "test-model") is MessageState.COMPLETE
        assert await say(window, tasks, "Aichat") is MessageState.COMPLETE
        assert await say(window, tasks, "VoiGpt") is MessageState.COMPLETE
        assert voigpt.tokens  # the site handed one out
        secrets.update({f"voigpt token {n}": token for n, token in enumerate(voigpt.tokens)})
        assert openai.seen[-1].headers["Authorization"] == f"Bearer {secrets['openai']}"
        assert anthropic.seen[-1].headers["x-api-key"] == secrets["anthropic"]
        assert gemini.seen[-1].headers["x-goog-api-key"] == secrets["gemini"]
        assert mine.seen[-1].headers["Authorization"] == f"Bearer {secrets['mine']}"
        assert mine.seen[-1].headers["X-Gateway-Key"] == secrets["gate"]
        assert aichat.seen[-1].cookies == aichat.cookies

        # Fail with each: a key the service no longer takes (401), then a refusal (403).
        for emulator in emulators.values():
            emulator.key = "rotated-" + uuid.uuid4().hex
        for provider in emulators:
            assert await say(window, tasks, provider, models[provider]) is MessageState.FAILED
            failed = window.conversation.messages[-1].error
            assert failed is not None
            assert failed.sentence in pane_text(window.view)  # our sentence, shown
            if provider == "OpenAI":
                assert failed.sentence.startswith("OpenAI: The API key was rejected (HTTP 401)")
        for emulator in (*emulators.values(), mine):
            emulator.status_reply = FORBIDDEN
        for provider in emulators:
            assert await say(window, tasks, provider, models[provider]) is MessageState.FAILED
        assert await say(window, tasks, "Mine", "test-model") is MessageState.FAILED

        # Proxies that name their user, their passwords typed into Settings: the one of
        # Network, and Gemini's own.
        settings = await open_settings(qapp, window)
        settings.tabs.setCurrentIndex(1)
        settings.fields["proxy"].editor.setText(proxy_url.replace("//", "//alice@"))  # type: ignore[attr-defined]
        settings.proxy_password.set_text(secrets["proxy"])
        assert settings.show_provider("Gemini")
        form = settings.form("Gemini")
        form.fields["proxy"].setText(proxy_url.replace("//", "//bob@"))
        form.proxy_password.set_text(secrets["gemini proxy"])
        settings.accept()
        await settled(tasks)
        for provider, model in (("Mine", "test-model"), ("Gemini", models["Gemini"])):
            assert await say(window, tasks, provider, model) is MessageState.FAILED
            failed = window.conversation.messages[-1].error
            assert failed is not None
            assert failed.status == 407  # from the proxy (not shown as the proxy's: see below)
            assert failed.sentence in pane_text(window.view)
        for user, kind in (("alice", "proxy"), ("bob", "gemini proxy")):
            basic = base64.b64encode(f"{user}:{secrets[kind]}".encode()).decode()
            assert f"Basic {basic}" in proxy_seen  # the password was sent, to the proxy only

        # Export every format; change a few settings; quit.
        await export_everything(window, tasks, exports, count=15)  # one each `say`
        settings = await open_settings(qapp, window)
        settings.fields["font_size"].editor.setText("15")  # type: ignore[attr-defined]
        theme = settings.fields["theme"].editor
        theme.setCurrentIndex(theme.findData("dark"))  # type: ignore[attr-defined]
        settings.fields["idle_timeout"].editor.setText("45")  # type: ignore[attr-defined]
        settings.accept()
        await settled(tasks)
        running = files_under(tmp_path)  # the database's WAL and shm, while they are there
        window.close()
        assert await asyncio.wait_for(app, SLOW) == 0
    kept = {backend.get_password(SERVICE, n) for n in _listed_names(backend, SERVICE) or ()}
    assert {secrets["proxy"], secrets["gemini proxy"], *voigpt.tokens} <= kept

    written = files_under(tmp_path)
    names = {path.name for path in written}
    assert {"parley.db", "settings.json", "stored-secrets.json", "models.json"} <= names
    assert {path.suffix for path in written} >= {".md", ".txt", ".json", ".html", ".pdf"}
    assert "parley.db-wal" in {path.name for path in running}
    database = b"".join(data for path, data in running.items() if path.name.startswith("parley.db"))
    assert b"Hi VoiGpt" in database  # the search reads what was written
    out, err = capfd.readouterr()
    said = {"stdout": out, "stderr": err, "log records": caplog.text}
    places = [
        *((f"{path} (while running)", data) for path, data in running.items()),
        *written.items(),
        *((name, text.encode()) for name, text in said.items()),
    ]
    hits = [
        f"{kind} in {where}"
        for kind, value in secrets.items()
        for shape in encodings(value)
        for where, data in places
        if shape in data
    ]
    assert hits == []
