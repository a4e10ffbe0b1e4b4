"""Code blocks' lexers: found once, on a worker thread while a reply streams."""

from __future__ import annotations

import threading
import time

from chat.markdown.code import FOUND_KEPT, highlighted, lexer_for, lexer_found

WAIT_SECONDS = 10.0


def found_soon(language: str) -> bool:
    deadline = time.monotonic() + WAIT_SECONDS
    while not lexer_found(language):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


def lexer_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "Parley lexer"]


def test_a_lexer_not_found_yet_is_found_on_a_worker_thread_once() -> None:
    language = "turtle"  # no other test uses it: not found yet in this process
    assert not lexer_found(language)  # asked for, not found yet: a worker finds it
    assert not lexer_found(language)  # asked again: still the same worker
    assert len(lexer_threads()) <= 1
    assert found_soon(language)
    lexer = lexer_for(language)
    assert lexer is not None
    assert lexer.name == "TurtleLexer" or "turtle" in lexer.aliases
    assert lexer_for(language) is lexer  # kept, not found again
    for thread in lexer_threads():
        thread.join(WAIT_SECONDS)


def test_waiting_for_a_lexer_being_found_gives_the_same_lexer() -> None:
    language = "csharp"
    assert not lexer_found(language)
    lexer = lexer_for(language)  # waits for the worker instead of finding it twice
    assert lexer is not None
    assert lexer_found(language)
    assert lexer_for(language) is lexer
    for thread in lexer_threads():
        thread.join(WAIT_SECONDS)


def test_a_language_pygments_does_not_know_is_found_to_have_no_lexer() -> None:
    assert found_soon("no-such-language-at-all")
    assert lexer_for("no-such-language-at-all") is None
    assert highlighted("<a> & b", "no-such-language-at-all", inline_styles=True) == (
        "&lt;a&gt; &amp; b"
    )
    assert lexer_found("")  # no language: nothing to find
    assert lexer_for("") is None


def test_at_most_so_many_languages_are_kept() -> None:
    kept = lexer_for("tcsh")
    assert kept is not None
    assert lexer_for("tcsh") is kept
    for n in range(FOUND_KEPT):
        assert lexer_for(f"not-a-language-{n}") is None
    again = lexer_for("tcsh")  # forgotten by then: found again, a new lexer
    assert again is not None
    assert again is not kept
    assert lexer_for("tcsh") is again
