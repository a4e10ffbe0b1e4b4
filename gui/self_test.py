"""``parley --self-test``: the real window, offscreen, streams a reply from a loopback server
through the real provider stack, saves it, and the store is read back once the window is closed.

Everything runs as ``parley`` would, through gui.start and gui.app's composition root, with
three differences, all for safety: the files go under a temporary ``PARLEY_HOME`` (removed
after), the secrets into a throwaway in-memory store (the keyring is never opened), and the
provider is an endpoint at the self-test's own server on 127.0.0.1. One line per check goes
to standard output; a failure ends with our sentence on standard error, and exit code 1.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from PySide6.QtCore import QMessageLogContext
    from PySide6.QtWidgets import QApplication

    from chat.secrets import MemorySecretStore
    from chat.self_test import Checks, SelfTestServer

    from .start import Shown

EXIT_OK, EXIT_FAILED = 0, 1
STEP_SECONDS = 30.0
"""The most any one check may take (each takes well under a second on a quiet machine)."""
OFFSCREEN_LIMITS = "This plugin does not support"
"""What Qt's offscreen platform says of what it leaves out (window size hints): its limits,
not a problem of Parley's."""


def run_self_test(out: TextIO, err: TextIO) -> int:
    """Run the checks; the exit code."""
    from chat.self_test import Checks, SelfTestFailure, make_home, remove_home
    from chat.version import VERSION

    print(f"Parley {VERSION} self-test", file=out, flush=True)
    checks = Checks(out)
    try:
        home = make_home()
    except SelfTestFailure as failure:
        print(f"parley: {failure}", file=err)
        return EXIT_FAILED
    os.environ["PARLEY_HOME"] = str(home)  # this process only: nothing of the user's is touched
    os.environ["QT_QPA_PLATFORM"] = "offscreen"  # the real window, with no screen needed
    try:
        _run(checks, home)
    except SelfTestFailure as failure:
        print(f"parley: {failure}", file=err)
        return EXIT_FAILED
    finally:
        left = remove_home(home)
    if left:
        print(f"parley: the self-test passed, but {left}", file=err)
        return EXIT_FAILED
    checks.ok(f"the temporary PARLEY_HOME is removed ({home})")
    print(f"Parley works: {checks.passed} checks passed.", file=out, flush=True)
    return EXIT_OK


def _run(checks: Checks, home: os.PathLike[str]) -> None:
    from chat.self_test import log_lines

    from .start import application, show_painted

    said: list[str] = []
    previous = _catch_qt_messages(said)
    try:
        started = time.monotonic()
        app = application([])
        shown = show_painted(app)
        checks.ok("the window opens offscreen and paints", started)
        import qasync  # type: ignore[import-untyped]

        with asyncio.Runner(loop_factory=qasync.QEventLoop) as runner:
            runner.run(_in_loop(app, shown, checks))
    finally:
        _restore_qt_messages(previous)
    from pathlib import Path

    for line in said:
        checks.note(f"Qt said: {line}")
    for line in log_lines(Path(home)):
        checks.note(f"Parley logged: {line}")


async def _in_loop(app: QApplication, shown: Shown, checks: Checks) -> None:
    from chat.self_test import SelfTestServer, add_endpoint

    server = SelfTestServer()
    url = await checks.run(
        "a loopback OpenAI-compatible server starts", STEP_SECONDS, server.start()
    )
    try:
        await checks.run(
            f"an endpoint for it at {url} is saved in the temporary settings",
            STEP_SECONDS,
            asyncio.to_thread(add_endpoint, url),
        )
        await _with_window(app, shown, checks, server)
    finally:
        await server.stop()


async def _with_window(
    app: QApplication, shown: Shown, checks: Checks, server: SelfTestServer
) -> None:
    from chat.secrets import MemorySecretStore
    from chat.self_test import read_back

    from .app import main

    secrets = MemorySecretStore()

    async def throwaway() -> MemorySecretStore:
        return secrets

    serving = asyncio.ensure_future(main(app, open_store=throwaway, shown=shown))
    try:
        await checks.run(
            "the providers load, with the self-test's endpoint among them",
            STEP_SECONDS,
            _until(lambda: _ready(shown), serving),
        )
        await checks.run(
            "its API key is kept in a throwaway secret store (the keyring is not opened)",
            STEP_SECONDS,
            _store_key(shown, server.key),
        )
        await checks.run(
            "a reply streams through the provider stack into the window",
            STEP_SECONDS,
            _ask(shown, serving),
        )
        shown.window.close()
        code = await checks.run("the window closes and saves", STEP_SECONDS, serving)
        if code:
            from chat.self_test import SelfTestFailure

            raise SelfTestFailure(f"the window ended with code {code}.")
    finally:
        if not serving.done():
            shown.window.close()
            await asyncio.wait([serving], timeout=STEP_SECONDS)
    await checks.run(
        "the conversation is read back from the store, opened anew",
        STEP_SECONDS,
        asyncio.to_thread(read_back),
    )


def _ready(shown: Shown) -> bool:
    from chat.self_test import ENDPOINT, MODEL, SelfTestFailure

    window = shown.window
    if window.session is None or not window.picker.select(ENDPOINT, MODEL):
        return False
    if problem := _notice(shown):
        raise SelfTestFailure(f"the window says: {problem}")
    return True


def _notice(shown: Shown) -> str:
    """What the window's store or settings banner says ("" when hidden): a problem."""
    for banner in (shown.window.store_notice, shown.window.settings_notice):
        if not banner.isHidden() and banner.text():
            return banner.text()
    return ""


async def _until(condition: Callable[[], bool], serving: asyncio.Future[int]) -> None:
    """Yield to the loop (and so to Qt) until ``condition()``; the window's own failure,
    should it end first."""
    while not condition():
        if serving.done():
            serving.result()  # its exception, if it raised one
            from chat.self_test import SelfTestFailure

            raise SelfTestFailure("the window closed before it was ready.")
        await asyncio.sleep(0.01)


async def _store_key(shown: Shown, key: str) -> None:
    from chat.credentials import credential_name

    window = shown.window
    provider = window.picker.current_provider()
    assert window.session is not None  # _ready saw it, and the provider
    assert provider is not None
    await window.session.secrets.set(credential_name(provider, "api_key"), key)


async def _ask(shown: Shown, serving: asyncio.Future[int]) -> None:
    from chat.self_test import PROMPT, REPLY, SelfTestFailure, check_saved

    window = shown.window
    ended: asyncio.Future[str] = asyncio.get_running_loop().create_future()

    def on_reply_ended(how: str) -> None:
        if not ended.done():
            ended.set_result(how)

    window.reply_ended.connect(on_reply_ended)
    try:
        window.composer.editor.setPlainText(PROMPT)
        window.composer.button.click()
        how = await ended
    finally:
        window.reply_ended.disconnect(on_reply_ended)
    if how != "finished":
        shown_text = (
            window.conversation.messages[-1].error if window.conversation.messages else None
        )
        raise SelfTestFailure(f"the reply {how}: {shown_text or 'no reason was shown'}.")
    check_saved(window.conversation)
    await _until(lambda: REPLY in window.view.document().toPlainText(), serving)
    if problem := _notice(shown):
        raise SelfTestFailure(f"the window says: {problem}")


def _catch_qt_messages(said: list[str]) -> object:
    """Qt's messages go into ``said`` (the self-test reports them) instead of to stderr."""
    from PySide6.QtCore import QtMsgType, qInstallMessageHandler

    quiet = (QtMsgType.QtDebugMsg, QtMsgType.QtInfoMsg)

    def handler(kind: QtMsgType, context: QMessageLogContext, message: str) -> None:
        if kind not in quiet and not message.startswith(OFFSCREEN_LIMITS):
            said.append(message)

    return qInstallMessageHandler(handler)


def _restore_qt_messages(previous: object) -> None:
    from PySide6.QtCore import qInstallMessageHandler

    qInstallMessageHandler(previous)  # type: ignore[arg-type]
