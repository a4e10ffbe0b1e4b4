"""``parley`` subcommands: ``ask``, ``list``, ``show``, ``search``, ``export``, ``import``,
``providers``, ``models``, ``keys``, ``endpoints``. No Qt, imports lazy."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TextIO

from .cli_input import (
    UsageError,
    parse_options,
    read_prompt,
    refuse_proxy_password,
    seconds_flag,
)
from .cli_providers import (
    EXIT_FAILED,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_PIPE_CLOSED,
    EXIT_USAGE,
    choose_provider,
    load_registry,
    secrets_for,
)
from .secrets import SecretStoreError  # light: keyring itself is imported when first used
from .version import VERSION

if TYPE_CHECKING:
    from .conversation import Conversation, ReplyError
    from .session import Reply
    from .settings import Settings
    from .store import Store
    from .transcript.exporting import PdfWriter


SelfTest = Callable[[TextIO, TextIO], int]
"""``parley --self-test``: the checks' lines to the first stream, a failure to the second."""
NO_SELF_TEST = (
    "parley: the self-test needs the window, which this way of starting Parley leaves out: "
    "run `parley --self-test`."
)
EMPTY_PROMPT = (
    "The prompt is empty: write the question after `parley ask`, or send it on standard input."
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="parley",
        description="Parley: chat with LLM chat services. Without a command, opens the window.",
    )
    parser.add_argument("--version", action="version", version=f"parley {VERSION}")
    parser.add_argument(
        "--self-test",
        action="store_true",
        help="check this installation: open the window offscreen, stream a reply from a "
        "loopback server, save it and read it back, all in a temporary folder; exit 0 when "
        "everything works",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    _add_ask(commands)
    commands.add_parser("providers", help="list the providers, their flags and models")
    _add_models(commands)
    _add_keys(commands)
    from .cli_config import add_config
    from .cli_endpoints import add_parser
    from .cli_store import add_parsers
    from .cli_transcripts import add_parsers as add_transcript_parsers

    add_config(commands)
    add_parser(commands)
    add_parsers(commands)
    add_transcript_parsers(commands)
    return parser


def _add_ask(commands: Any) -> None:
    ask = commands.add_parser(
        "ask",
        help="ask one question and stream the reply to stdout",
        description="Stream one reply to stdout. Errors go to stderr with a non-zero exit.",
    )
    ask.add_argument("prompt", nargs="*", help="the question; '-' or nothing reads stdin")
    ask.add_argument("-p", "--provider", help="provider name (see `parley providers`)")
    ask.add_argument("-m", "--model", default="", help="model (default: the provider's)")
    ask.add_argument("--base-url", help="send the provider's requests to this URL instead")
    ask.add_argument("--proxy", help="http://, https:// or socks5:// proxy URL")
    ask.add_argument("-s", "--system", default="", help="system prompt")
    ask.add_argument(
        "-o",
        "--option",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="provider option, e.g. temperature=0.2 (value read as JSON when it parses)",
    )
    # no type=float: the settings table checks the value, and says what is wrong in our words
    ask.add_argument("--connect-timeout", metavar="S", help="default: settings, 15")
    ask.add_argument("--idle-timeout", metavar="S", help="default: settings, 60")
    ask.add_argument(
        "--reasoning", action="store_true", help="also show the model's reasoning, on stderr"
    )
    ask.add_argument(
        "-c",
        "--continue",
        dest="continue_id",
        nargs="?",
        const="",
        metavar="ID",
        help="continue a saved conversation: the latest, or the one whose id starts with ID "
        "(4 or more of its hex digits; see `parley list`)",
    )
    ask.add_argument(
        "--no-save", action="store_true", help="do not save this exchange as a conversation"
    )


def _add_models(commands: Any) -> None:
    listing = commands.add_parser(
        "models",
        help="list a provider's models, as its service gives them",
        description="Print the models of a provider, one per line (cached for a day).",
    )
    listing.add_argument("-p", "--provider", help="provider name (default: the saved one)")
    listing.add_argument("--base-url", help="ask the server at this URL instead")
    listing.add_argument("--proxy", help="http://, https:// or socks5:// proxy URL")
    listing.add_argument("--refresh", action="store_true", help="ask the service again")


def _add_keys(commands: Any) -> None:
    keys = commands.add_parser(
        "keys",
        help="store, list or forget a provider's API key, token, cookies or secret header in "
        "the keyring",
    )
    actions = keys.add_subparsers(dest="action", metavar="ACTION", required=True)
    actions.add_parser("list", help="which provider has which secret stored, for which site")
    forget = actions.add_parser(
        "forget-all",
        help="remove every secret Parley keeps in the keyring (asks first; nothing else's)",
    )
    forget.add_argument(
        "--yes", action="store_true", help="do not ask (needed when stdin is not a terminal)"
    )
    for name, text, aliases in (
        ("set", "store a secret read from stdin (or typed, hidden)", []),
        ("remove", "forget it", ["delete"]),
    ):
        action = actions.add_parser(name, help=text, aliases=aliases)
        action.add_argument("provider")
        action.add_argument(
            "kind",
            nargs="?",
            help="api_key, access_token, cookies, header:NAME (an endpoint's), or "
            "proxy_password (for --proxy, else the provider's saved proxy); default: the "
            "provider's only kind",
        )
        action.add_argument(
            "--base-url",
            help="the site the secret belongs to (default: the provider's saved base URL, "
            "else its own)",
        )
        action.add_argument(
            "--proxy",
            metavar="URL",
            help="for proxy_password: the proxy, as http://user@host:port (default: the "
            "provider's saved proxy)",
        )


def main(
    argv: list[str] | None = None,
    *,
    pdf: PdfWriter | None = None,
    self_test: SelfTest | None = None,
) -> int:
    """Run a subcommand; ``pdf`` writes PDFs for ``parley export`` and ``self_test`` runs
    ``parley --self-test`` (gui/ lends both)."""
    args = build_parser().parse_args(sys.argv[1:] if argv is None else argv)
    if args.self_test:
        if args.command is not None:
            print("parley: --self-test takes no command; run it alone.", file=sys.stderr)
            return EXIT_USAGE
        if self_test is None:
            print(NO_SELF_TEST, file=sys.stderr)
            return EXIT_FAILED
        return self_test(sys.stdout, sys.stderr)  # it keeps its own log, in its own folder
    if args.command is None:
        build_parser().print_help()
        return EXIT_USAGE
    from .logs import start_logging

    logs = start_logging()  # warnings and tracebacks go to the log, our sentences to stderr
    try:
        code = _run(args, pdf)
        sys.stdout.flush()  # here, not at exit, where a closed pipe would end with code 120
        return code
    except KeyboardInterrupt:
        print("\nparley: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except UsageError as error:
        print(f"parley: {error}", file=sys.stderr)
        return EXIT_USAGE
    except SecretStoreError as error:  # the keyring opened, then refused (a dismissed prompt)
        print(f"parley: {error}", file=sys.stderr)
        return EXIT_FAILED
    except BrokenPipeError:  # `parley ... | head`: the reader has gone, so we end quietly
        return stdout_closed()
    finally:
        logs.stop()


def _run(args: argparse.Namespace, pdf: PdfWriter | None) -> int:
    if args.command == "ask":
        return asyncio.run(ask(args, sys.stdout, sys.stderr))
    if args.command == "providers":
        return list_providers(sys.stdout)
    if args.command in ("list", "show", "search"):
        from .cli_store import run

        return run(args, sys.stdout, sys.stderr)
    if args.command in ("export", "import"):
        from .cli_transcripts import run as run_transcripts

        return run_transcripts(args, sys.stdout, sys.stderr, pdf)
    if args.command == "endpoints":
        from .cli_endpoints import endpoints

        return asyncio.run(endpoints(args, sys.stdout, sys.stderr))
    if args.command == "config":
        from .cli_config import config

        return config(args, sys.stdout, sys.stderr)
    if args.command == "models":
        from .cli_models import models

        return asyncio.run(models(args, sys.stdout, sys.stderr))
    from .cli_keys import keys

    return asyncio.run(keys(args, sys.stdin, sys.stderr, sys.stdout))


def stdout_closed() -> int:
    """End quietly after standard output was closed by its reader, as ``cat`` does.

    Python flushes ``sys.stdout`` once more at exit, which would fail again and print a
    traceback: from here on, standard output goes nowhere.
    """
    import os

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):  # no real file behind stdout: nothing will flush there
        pass
    return EXIT_PIPE_CLOSED


async def ask(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Stream one reply to ``out``; errors to ``err``. Returns the exit code.

    The window's saved settings apply (a provider's base URL and proxy, the timeouts, the
    CA bundle); options on the command line win over them.
    """
    from .settings import Settings

    settings = Settings.load()
    if settings.problem:
        print(f"parley: {settings.problem}", file=err)
    store, conversation = _saved(args, err)
    try:
        return await _ask(args, settings, store, conversation, out, err)
    finally:
        if store is not None:
            store.close()  # writes what is waiting


def _saved(args: argparse.Namespace, err: TextIO) -> tuple[Store | None, Conversation | None]:
    """The store and the conversation to continue (None: a new one)."""
    if args.no_save and args.continue_id is None:
        return None, None
    from .cli_store import find, open_store

    store = open_store(err)
    if store is None:
        if args.continue_id is not None:
            raise UsageError("Without the conversation database there is nothing to continue.")
        print("parley: this exchange will not be saved.", file=err)
        return None, None
    if args.continue_id and not _looks_like_id(args.continue_id):
        args.prompt.insert(0, args.continue_id)  # `parley ask --continue why?`: no id given
        args.continue_id = ""
    try:
        found = find(store, args.continue_id or None) if args.continue_id is not None else None
    except BaseException:
        store.close()
        raise
    return store, found


def _looks_like_id(text: str) -> bool:
    """Four or more hex digits: the start of a conversation's id (else a word of the prompt)."""
    return len(text) >= 4 and all(ch in "0123456789abcdef" for ch in text.lower())


async def _ask(
    args: argparse.Namespace,
    settings: Settings,
    store: Store | None,
    conversation: Conversation | None,
    out: TextIO,
    err: TextIO,
) -> int:
    name = args.provider or (conversation and conversation.provider) or settings.get("provider")
    prompt = read_prompt(args.prompt, sys.stdin)
    target = await choose_provider(name or None, args.base_url, settings, args.proxy, err)
    provider, proxy = target.provider, target.proxy
    refuse_proxy_password(args.proxy, provider.name)
    options = parse_options(args.option, provider.name, args.base_url)
    if not prompt.strip():
        raise UsageError(EMPTY_PROMPT)
    timeouts_given = (
        seconds_flag("--connect-timeout", args.connect_timeout, settings),
        seconds_flag("--idle-timeout", args.idle_timeout, settings),
    )
    from providers.http import Timeouts, new_client_session

    from .conversation import Conversation
    from .session import ChatSession

    secrets, open_keyring = await secrets_for(provider, proxy, err)
    model = args.model
    if conversation is None:
        conversation = Conversation(system_prompt=args.system)
    else:
        if args.system:
            conversation.system_prompt = args.system
        if not model and conversation.provider == provider.name:
            model = conversation.model or ""
    conversation.provider, conversation.model = provider.name, model or None
    if store is not None and not args.no_save:
        store.follow(conversation)
    conversation.add("user", prompt)
    printer = _Printer(out, err, reasoning=args.reasoning)
    timeouts = Timeouts(*timeouts_given)
    async with new_client_session() as http:
        session = ChatSession(
            secrets,
            http,
            timeouts=timeouts,
            ca_bundle=str(settings.get("ca_bundle")),
            open_keyring=open_keyring,
        )
        reply = session.reply(
            conversation,
            provider,
            model,
            proxy=proxy,
            options=options,
            observer=printer,
        )
        try:
            await reply.run()
        except asyncio.CancelledError:
            if not printer.closed:
                raise
            raise BrokenPipeError from None  # the reply was stopped because nobody reads it
    return printer.exit_code


class _Printer:
    """Writes the reply to stdout as it arrives; the outcome to stderr."""

    def __init__(self, out: TextIO, err: TextIO, *, reasoning: bool = False) -> None:
        self.out = out
        self.err = err
        self.reasoning = reasoning
        """Show the reasoning too, on stderr."""
        self.exit_code = EXIT_OK
        self.closed = False
        """Standard output was closed by its reader; the reply is being stopped."""
        self._ends_with_newline = True
        self._reasoning_open = False

    def reply_started(self, reply: Reply) -> None:
        if reply.message.note:
            print(f"parley: {reply.message.note}", file=self.err)

    def reply_finished(self, reply: Reply) -> None:
        self._newline()
        if reply.current is not reply.provider:  # Auto: say who answered
            model = f" ({reply.message.model})" if reply.message.model else ""
            print(f"parley: answered by {reply.current.get_label()}{model}.", file=self.err)

    def reply_text(self, reply: Reply, text: str) -> None:
        if self.closed:
            return
        if self._reasoning_open:  # the answer starts: end the reasoning's last line
            self.err.write("\n")
            self._reasoning_open = False
        try:
            self.out.write(text)
            self.out.flush()
        except BrokenPipeError:
            self.closed = True
            task = asyncio.current_task()
            if task is not None:
                task.cancel()  # stop the reply: its connection closes
            return
        self._ends_with_newline = text.endswith("\n")

    def reply_reasoning(self, reply: Reply, text: str) -> None:
        if self.reasoning:
            self.err.write(text)
            self.err.flush()
            self._reasoning_open = not text.endswith("\n")

    def reply_text_was_reasoning(self, reply: Reply) -> None:
        # A chat template that opens <think> in the prompt: the reasoning came as answer
        # text until its closing tag, and what went to stdout cannot be taken back.
        self._newline()
        print(
            "parley: the text above was the model's reasoning; its answer follows.", file=self.err
        )

    def reply_retrying(self, reply: Reply, error: ReplyError, delay: float) -> None:
        print(f"parley: {error} Trying once more in {delay:g} s.", file=self.err)

    def reply_failed(self, reply: Reply, error: ReplyError) -> None:
        self._newline()
        print(f"parley: {error}", file=self.err)
        self.exit_code = EXIT_FAILED

    def reply_cancelled(self, reply: Reply) -> None:
        self._newline()

    def _newline(self) -> None:
        if not self.closed and not self._ends_with_newline and self.out.isatty():
            self.out.write("\n")
            self.out.flush()


def list_providers(out: TextIO) -> int:
    from .settings import Settings

    settings = Settings.load()
    providers, broken = load_registry(settings).available()
    width = max([12, *(len(p.name) + 1 for p in providers), *(len(n) + 1 for n in broken)])
    for name, why in broken.items():
        print(f"{name:<{width}} could not be loaded: {why}", file=out)
    for provider in providers:
        flags = [
            "working" if provider.working else "NOT WORKING",
            "local" if provider.local else "",
            "stream" if provider.supports_stream else "",
            "history" if provider.supports_message_history else "",
            "system" if provider.supports_system_message else "",
            "needs " + "/".join(provider.credential_kinds) if provider.needs_auth else "",
            "models listed by the service" if provider.lists_models else "",
        ]
        models = provider.get_models()
        print(f"{provider.name:<{width}} {provider.url or '(give --base-url)'}", file=out)
        print(f"{'':<{width}} {provider.get_label()}: {', '.join(f for f in flags if f)}", file=out)
        if models:
            print(f"{'':<{width}} models: {', '.join(models)}", file=out)
    from .auto import make_auto, turned_on

    auto = make_auto(turned_on(providers, settings), str(settings.get("auto_providers")))
    tries = ", ".join(member.name for member in auto.members) or "nothing"
    print(f"{auto.name:<{width}} tries in turn: {tries} (setting auto_providers)", file=out)
    return EXIT_OK
