"""File → Export… and File → Import…: the dialogs, and the work done off the window's thread.

Exports and imports block (they read and write whole files), so each runs on a worker
thread as a task of the window's ``TaskTracker``; the worker never touches a widget. What
the worker reports (an import's progress) comes back through the event loop.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QStandardPaths
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QDialog, QFileDialog, QMainWindow

from chat.conversation import Conversation
from chat.transcript.names import file_name
from chat.transcript.options import SUFFIXES, Format

from .banner import Banner
from .import_progress import ImportProgress
from .library import call_in_loop
from .transcript_work import (
    Counted,
    Item,
    Percent,
    copied,
    loaded,
    off_thread,
    pdf_in_worker,
    pdf_writer,
)

if TYPE_CHECKING:
    import asyncio

    from chat.store import Store

    from .export_dialog import ExportChoice, ExportDialog, Scope
    from .library import Library
    from .sidebar import Sidebar
    from .tasks import TaskTracker

Targets = list[str] | None
"""The conversations a choice of the dialog stands for (None: all of them)."""

IMPORT_FILTER = "Exports (*.json *.zip)"
CANCELLED = "Import cancelled: nothing of it was kept."
NOTHING_TO_EXPORT = "There is nothing to export yet: no conversation has a message in it."
STILL_OPENING = "The conversation database is still opening: try again in a moment."


class Transcripts(QObject):
    """Export (Ctrl+E, and the list's menu) and Import, with their dialogs; what came of
    them is said in ``notice``, a banner the window lays out above the conversation."""

    def __init__(
        self,
        window: QMainWindow,
        library: Library,
        sidebar: Sidebar,
        tasks: TaskTracker,
        current: Callable[[], Conversation],
    ) -> None:
        super().__init__(window)
        self._window, self._library, self._sidebar = window, library, sidebar
        self._tasks, self._current = tasks, current
        self.export_action = QAction("&Export…", self)
        self.export_action.setShortcut(QKeySequence("Ctrl+E"))
        self.export_action.setToolTip("Save conversations as Markdown, text, JSON, HTML or PDF")
        self.import_action = QAction("&Import…", self)
        self.import_action.setToolTip("Conversations from a Parley, ChatGPT or Claude export")
        self.notice = Banner()
        self.store_problem = ""
        """Why there is no store, when there is none ("" while it is opening)."""
        self.export_dialog: ExportDialog | None = None
        self.file_dialog: QFileDialog | None = None
        self.progress: ImportProgress | None = None
        # Remembered for this session only (saving them in the settings can come later).
        self.last_format: Format = "md"
        self.last_folder = _standard(QStandardPaths.StandardLocation.DocumentsLocation)
        self.last_import_folder = _standard(QStandardPaths.StandardLocation.DownloadLocation)
        self._targets: dict[str, Targets] = {}
        self.export_action.triggered.connect(self.on_export_action_triggered)
        self.import_action.triggered.connect(self.on_import_action_triggered)

    # -- export: the dialog, then where to

    def on_export_action_triggered(self) -> None:
        self.open_export()

    def on_sidebar_export_requested(self, ids: list[str]) -> None:
        self.open_export(ids)

    def open_export(self, chosen: list[str] | None = None) -> None:
        """The Export dialog, for ``chosen`` (from the list's menu) or what is on screen
        and selected."""
        if self.export_dialog is not None:
            self.export_dialog.raise_()
            return
        from .export_dialog import ExportDialog  # loaded when first asked for

        scopes = self._scopes(chosen)
        if not scopes:
            self._say(NOTHING_TO_EXPORT)
            return
        keys = [scope.key for scope in scopes]
        several = chosen is not None or len(self._targets.get("selected") or []) > 1
        default = "selected" if "selected" in keys and several else keys[0]
        dialog = ExportDialog(scopes, fmt=self.last_format, scope=default, parent=self._window)
        dialog.finished.connect(self.on_export_dialog_finished)
        self.export_dialog = dialog
        if "all" in keys:
            self._tasks.start(self._count_all(dialog), name="count the conversations")
        dialog.open()

    def _scopes(self, chosen: list[str] | None) -> list[Scope]:
        from .export_dialog import Scope

        current = self._current()
        self._targets = {}
        scopes = []
        if current.all_messages():
            self._targets["this"] = [current.id]
            scopes.append(Scope("this", "This conversation"))
        selected = chosen if chosen is not None else self._sidebar.selected_ids()
        if selected and selected != [current.id]:
            self._targets["selected"] = selected
            label = "The selected conversation"
            if len(selected) > 1:
                label = f"The {len(selected):,} selected conversations"
            scopes.append(Scope("selected", label))
        if self._library.store is not None or self._library.model.ids():
            self._targets["all"] = None
            scopes.append(Scope("all", "All conversations"))
        return scopes

    async def _count_all(self, dialog: ExportDialog) -> None:
        from chat.store import StoreError, rows

        store = self._library.store
        try:
            count = await store.read(rows.count_conversations) if store else None
        except StoreError:
            return  # the export itself will say what is wrong
        count = len(self._library.model.ids()) if count is None else count
        if self.export_dialog is dialog:
            dialog.set_label("all", f"All conversations ({count:,})")

    def on_export_dialog_finished(self, result: int) -> None:
        dialog, self.export_dialog = self.export_dialog, None
        if dialog is None:
            return
        dialog.deleteLater()
        if result != QDialog.DialogCode.Accepted:
            return
        choice = dialog.choice()
        self.last_format = choice.fmt
        targets = self._targets[choice.scope]
        if choice.fmt == "json" or (targets is not None and len(targets) == 1):
            self._ask_for_file(choice, targets)
        else:
            self._ask_for_folder(choice, targets)

    def _ask_for_file(self, choice: ExportChoice, targets: Targets) -> None:
        from .export_dialog import FORMAT_LABELS

        suffix = SUFFIXES[choice.fmt]
        if targets is not None and len(targets) == 1:
            name = file_name(self._title_of(targets[0]), suffix, set())
        else:
            import datetime

            name = f"Parley {datetime.date.today().isoformat()}{suffix}"
        dialog = QFileDialog(self._window, "Export to a file", _existing(self.last_folder))
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.setFileMode(QFileDialog.FileMode.AnyFile)
        dialog.setNameFilter(f"{FORMAT_LABELS[choice.fmt]} (*{suffix})")
        dialog.setDefaultSuffix(suffix[1:])
        dialog.selectFile(name)
        self._open_file_dialog(dialog, partial(self.export_to, choice, targets))

    def _ask_for_folder(self, choice: ExportChoice, targets: Targets) -> None:
        where = _existing(self.last_folder)
        dialog = QFileDialog(self._window, "Export into a folder, a file each", where)
        dialog.setFileMode(QFileDialog.FileMode.Directory)
        dialog.setOption(QFileDialog.Option.ShowDirsOnly, True)
        dialog.setLabelText(QFileDialog.DialogLabel.Accept, "Export here")
        self._open_file_dialog(dialog, partial(self.export_to, choice, targets))

    def _open_file_dialog(self, dialog: QFileDialog, then: Callable[[Path], object]) -> None:
        def finished(result: int) -> None:
            if self.file_dialog is dialog:
                self.file_dialog = None
            dialog.deleteLater()
            chosen = dialog.selectedFiles()
            if result == QDialog.DialogCode.Accepted and chosen:
                then(Path(chosen[0]))

        dialog.finished.connect(finished)
        self.file_dialog = dialog
        dialog.open()

    def _title_of(self, conversation_id: str) -> str:
        if (opened := self._library.opened(conversation_id)) is not None:
            return opened.title
        entry = self._library.model.entry(conversation_id)
        return entry.title if entry is not None else ""

    # -- export: the work

    def export_to(self, choice: ExportChoice, targets: Targets, out: Path) -> asyncio.Task[None]:
        """Export what ``choice`` and ``targets`` name to ``out`` (what the file dialog
        gave), in the background."""
        self.last_folder = out if out.is_dir() else out.parent
        return self._tasks.start(self._export(choice, targets, out), name="export")

    async def _export(self, choice: ExportChoice, targets: Targets, out: Path) -> None:
        from chat.store import StoreError
        from chat.transcript.errors import TranscriptError
        from chat.transcript.exporting import export
        from chat.transcript.options import FORMAT_NAMES

        store = self._library.store
        try:
            items = await self._one_read(await self._gathered(targets, store), store)
        except StoreError as error:
            self._say(str(error))
            return
        if not items:
            self._say("There are no conversations to export: those chosen are gone or empty.")
            return
        status = self._window.statusBar()
        busy = f"Exporting {_conversations(len(items))}…"
        status.showMessage(busy)
        stop = threading.Event()
        counted = Counted(loaded(items, store, stop))
        pdf = pdf_writer() if choice.fmt == "pdf" else None
        work = partial(export, counted, choice.fmt, out, choice.options, count=len(items), pdf=pdf)
        try:
            if pdf is not None and not pdf_in_worker():
                written = work()  # Qt cannot paint text off its thread here: on the window's
            else:
                written = await off_thread(work, stop)
        except (TranscriptError, StoreError) as error:
            self._say(str(error))
            return
        finally:
            if status.currentMessage() == busy:
                status.clearMessage()
        where = written[0] if len(written) == 1 else out
        how = FORMAT_NAMES[choice.fmt]
        self._say(f"Exported {_conversations(counted.count)} as {how} to {where}")

    async def _gathered(self, targets: Targets, store: Store | None) -> list[Item]:
        """What to export: copies of those open here (the window may change them while the
        worker writes), the ids of the others."""
        ids = await self._all_ids(store) if targets is None else targets
        items: list[Item] = []
        for conversation_id in ids:
            opened = self._library.opened(conversation_id)
            if opened is not None:
                if opened.all_messages():
                    items.append(copied(opened))
            elif store is not None:
                items.append(conversation_id)
        return items

    async def _all_ids(self, store: Store | None) -> list[str]:
        from chat.store import rows

        listed = self._library.model.ids()
        if store is None:
            return listed
        saved = [s.id for s in await store.read(rows.list_conversations, limit=-1)]
        known = set(saved)
        return [i for i in listed if i not in known] + saved  # those not written yet first

    @staticmethod
    async def _one_read(items: list[Item], store: Store | None) -> list[Item]:
        """A single conversation is read here: it must be there for the file to be named."""
        if len(items) != 1 or not isinstance(items[0], str) or store is None:
            return items
        from chat.store import rows

        found = await store.read(rows.load_conversation, items[0])
        return [] if found is None else [found]

    # -- import

    def on_import_action_triggered(self) -> None:
        if (why := self._no_store()) is not None:
            self._say(why)
            return
        where = _existing(self.last_import_folder)
        dialog = QFileDialog(self._window, "Import conversations", where)
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptOpen)
        dialog.setFileMode(QFileDialog.FileMode.ExistingFile)
        dialog.setNameFilter(IMPORT_FILTER)
        dialog.setLabelText(QFileDialog.DialogLabel.Accept, "Import")
        self._open_file_dialog(dialog, self.import_from)

    def import_from(self, path: Path) -> asyncio.Task[None] | None:
        """Import ``path`` (what the file dialog gave) in the background."""
        store = self._library.store
        if store is None:
            self._say(self._no_store() or STILL_OPENING)
            return None
        self.last_import_folder = path.parent
        return self._tasks.start(self._import(store, path), name="import")

    async def _import(self, store: Store, path: Path) -> None:
        from chat.store import StoreError
        from chat.transcript.errors import TranscriptError
        from chat.transcript.importing import ImportCancelled, import_file

        cancel = threading.Event()
        progress = ImportProgress(path.name, self._window)
        progress.cancel_requested.connect(cancel.set)
        self.progress = progress
        import asyncio

        shown = Percent(call_in_loop(asyncio.get_running_loop(), progress.show_progress))
        work = partial(import_file, store, path, progress=shown, cancel=cancel)
        self.import_action.setEnabled(False)
        progress.open()
        try:
            report = await off_thread(work, cancel)
        except ImportCancelled:
            self._say(CANCELLED)
            return
        except (TranscriptError, StoreError) as error:
            self._say(str(error))
            return
        finally:
            self.import_action.setEnabled(True)
            progress.finish()
            progress.deleteLater()
            self.progress = None
        self._say(report.sentence())
        if report.conversations:
            self._library.model.reload()

    def _no_store(self) -> str | None:
        if self._library.store is not None:
            return None
        if self.store_problem:
            return f"Importing needs the conversation database. {self.store_problem}"
        return STILL_OPENING

    def _say(self, text: str) -> None:
        self.notice.show_message(text)


def _conversations(count: int) -> str:
    return f"{count:,} conversation" + ("" if count == 1 else "s")


def _existing(folder: Path) -> str:
    """``folder``, or the nearest folder above it that is there (a dialog opened on one
    that is not shows its name as the file to choose)."""
    for each in (folder, *folder.parents):
        if each.is_dir():
            return str(each)
    return str(Path.home())


def _standard(location: QStandardPaths.StandardLocation) -> Path:
    found = QStandardPaths.writableLocation(location)
    return Path(found) if found else Path.home()
