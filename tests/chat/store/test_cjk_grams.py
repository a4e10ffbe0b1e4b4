"""One and two CJK characters are found through an index of each text's characters and pairs
of them: what goes into it, that it finds exactly the texts that hold a term, that it stays in
step with every write, and that a search costs the same however many CJK messages there are."""

from __future__ import annotations

import itertools
import re
import sqlite3
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from chat.conversation import Conversation
from chat.store import Store
from chat.store.database import connect
from chat.store.functions import CJK, CJK_CHARS, cjk_grams
from chat.store.rows import conversation_row, message_row, save_conversation, save_message
from chat.store.schema import migrate
from chat.store.search import search
from tests.support.fuzz import only_raises

from .test_search import chat, found, indexed, integrity_checked, long_chat, saved

EDGES = "\u3040\u30ff\u3400\u4dbf\u4e00\u9fff\uf900\ufaff\uff66\uff9f\uac00\ud7af"
"""The first and last character of each range of ``CJK_CHARS``."""
WIDER = re.compile(
    "[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\u8c48-\ufaff\uff66-\uff9f\uac00-\ud7af]"
)
"""What ``functions.CJK`` takes, a range wider than meant (from U+8C48, not U+F900)."""
OUTSIDE = "\u303f\u3100\u33ff\u4dc0\uf8ff\ufb00\uff65\uffa0\uabff\ud7b0"
"""Characters just outside those ranges: none of them CJK to the index (U+F8FF, U+ABFF and
U+D7B0 are in ``WIDER``)."""


CJK_CHAR = re.compile(f"[{CJK_CHARS}]")


def pairs(text: str) -> set[str]:
    """Every character of ``CJK_CHARS`` in ``text``, and every two such side by side."""
    singles = {ch for ch in text if CJK_CHAR.fullmatch(ch)}
    return singles | {a + b for a, b in itertools.pairwise(text) if {a, b} <= singles}


# -- what goes into the index


def test_the_grams_are_each_character_then_each_pair_of_neighbours() -> None:
    assert cjk_grams("你好世界") == "你 好 世 界 你好 好世 世界"
    assert cjk_grams("ははは") == "は はは"  # each once
    assert cjk_grams("猫") == "猫"


def test_text_between_cjk_runs_makes_no_pair() -> None:
    assert cjk_grams("東京 and 大阪") == "東 京 大 阪 東京 大阪"
    assert cjk_grams("東京、大阪") == "東 京 大 阪 東京 大阪"  # 、 is punctuation, outside


def test_every_script_of_the_class_is_indexed_and_nothing_else() -> None:
    assert set(cjk_grams("ひらがな カタカナ ｶﾀｶﾅ 한국어 漢字 㐀 豈").split()) >= set(
        "ひカｶ한漢㐀豈"
    )
    assert cjk_grams(EDGES).split()[: len(EDGES)] == list(EDGES)
    assert cjk_grams(OUTSIDE) == ""


@pytest.mark.parametrize("text", ["", "hello world", "Привет", None, b"\xe4\xb8\x96", 3, 1.5])
def test_text_without_cjk_or_not_text_has_no_grams(text: object) -> None:
    assert cjk_grams(text) == ""


def test_the_glob_pattern_takes_every_cjk_character() -> None:
    with closing(sqlite3.connect(":memory:")) as db:
        for ch in EDGES:
            assert db.execute("SELECT ? GLOB ?", (ch, CJK)).fetchone() == (1,), hex(ord(ch))


TEXT = st.text(
    st.sampled_from([*EDGES, *OUTSIDE, *"世界你好はヿーｱﾟ한 aA,\n\u3000\x00"]), max_size=60
)


@pytest.fixture
def tokens() -> Iterator[sqlite3.Connection]:
    """An FTS5 table made as the gram indexes are, and its words (``fts5vocab``)."""
    db = sqlite3.connect(":memory:", isolation_level=None)
    try:
        db.execute(
            "CREATE VIRTUAL TABLE t USING fts5 (g, tokenize = 'ascii', detail = 'none',"
            " columnsize = 0)"
        )
        db.execute("CREATE VIRTUAL TABLE words USING fts5vocab (t, 'row')")
        yield db
    finally:
        db.close()


@pytest.mark.fuzz
def test_each_gram_is_one_word_to_the_index_and_every_gram_is_there(
    tokens: sqlite3.Connection,
) -> None:
    @given(TEXT | st.text(max_size=40))
    @example("\x00世界")
    @example("世" * 300_000 + "界")
    def check(text: str) -> None:
        grams = only_raises(lambda: cjk_grams(text))
        assert isinstance(grams, str)
        tokens.execute("DELETE FROM t")
        tokens.execute("INSERT INTO t (g) VALUES (?)", (grams,))
        assert {row[0] for row in tokens.execute("SELECT term FROM words")} == pairs(text)
        assert len(grams.split()) == len(set(grams.split()))
        # GLOB reads text up to a NUL: the triggers index no CJK after one (nor did the scan)
        read = text.split("\x00")[0]
        with closing(sqlite3.connect(":memory:")) as db:
            (globbed,) = db.execute("SELECT ? GLOB ?", (text, CJK)).fetchone()
        assert globbed == (WIDER.search(read) is not None)
        assert globbed or not cjk_grams(read)

    check()


# -- what a search finds


def test_a_rare_pair_among_many_cjk_messages_is_found(store: Store) -> None:
    filler = [
        f"我们今天讨论机器学习的第{'一二三四五六七八九十'[n % 10]}个问题。" for n in range(300)
    ]
    rare = "先说容量进度，再说别的。"
    saved(store, long_chat("Notes", [*filler[:150], rare, *filler[150:]]))
    (hit,) = found(store, "量进")
    assert hit.snippet == rare
    assert [t for t, match in hit.parts if match] == ["量进"]
    assert found(store, "进量") == []


def test_a_term_at_the_very_start_or_end_of_a_message_is_found(store: Store) -> None:
    conversation = chat("Notes", "世界は広い", "猫", "広い世界")
    saved(store, conversation)
    first, only, last = (m.id for m in conversation.messages)

    def ids(query: str) -> set[str | None]:
        return {hit.message_id for hit in found(store, query)}

    assert ids("世界") == {first, last}
    assert ids("世") == {first, last}
    assert ids("い") == {first, last}
    assert ids("は") == {first}
    assert ids("界") == {first, last}
    assert ids("猫") == {only}


def test_one_character_finds_every_message_that_holds_it_newest_first(store: Store) -> None:
    texts = [f"第{n}只猫" if n % 3 else f"第{n}只狗" for n in range(90)]
    conversation = long_chat("Pets", texts)
    saved(store, conversation)
    holding = [m.id for m in conversation.messages if "猫" in m.content]
    assert [hit.message_id for hit in found(store, "猫")] == holding[::-1][:50]
    assert len(store.read_now(lambda db: search(db, "猫", limit=100))) == len(holding)


def test_a_short_cjk_term_and_words_must_all_be_in_one_message(store: Store) -> None:
    both = chat("A", "kubernetes 集群怎么升级", "先备份 etcd")
    only_word = chat("B", "kubernetes upgrade", "集合")
    only_cjk = chat("C", "集群", "升级")
    saved(store, both, only_word, only_cjk)
    assert [h.message_id for h in found(store, "kubernetes 集群")] == [both.messages[0].id]
    assert [h.message_id for h in found(store, "集群 KUBERNETES")] == [both.messages[0].id]
    in_both = found(store, "kubernetes 集 in:current", current=both.id)
    assert [h.message_id for h in in_both] == [both.messages[0].id]
    assert [h.message_id for h in found(store, "集群怎么 升")] == [both.messages[0].id]
    assert found(store, "kubernetes 升级 etcd") == []
    assert {h.conversation_id for h in found(store, "升级")} == {both.id, only_cjk.id}


def test_a_short_term_of_cjk_and_other_letters_is_found_in_any_case(store: Store) -> None:
    conversation = chat("Notes", "a世界", "b世界", "A世")
    saved(store, conversation)
    first, _, third = conversation.messages
    assert {h.message_id for h in found(store, "a世")} == {first.id, third.id}
    assert {h.message_id for h in found(store, "世A")} == set()


def test_filters_keep_short_cjk_hits_to_what_they_allow(store: Store) -> None:
    many = long_chat("Cloud", [f"世{n}" for n in range(80)], provider="OpenAI")
    few = long_chat("Local", ["世界", "世"], provider="Ollama")
    gone = long_chat("Gone", ["世界"], provider="Ollama")
    saved(store, many, few, gone)
    store.delete(gone.id).result()
    assert {h.message_id for h in found(store, "世 provider:ollama")} == {
        m.id for m in few.messages
    }
    assert {h.conversation_id for h in found(store, "世 in:current", current=few.id)} == {few.id}
    assert {h.message_id for h in found(store, "世界")} == {few.messages[0].id}


def test_a_short_cjk_title_is_found_through_its_own_index(store: Store) -> None:
    titled = chat("東京の旅 plan", "what to pack", "an umbrella")
    saved(store, titled, chat("Osaka", "何を食べる", "たこ焼き"))
    (hit,) = found(store, "東京")
    assert (hit.conversation_id, hit.message_id) == (titled.id, None)
    assert [h.conversation_id for h in found(store, "旅")] == [titled.id]
    assert [h.conversation_id for h in found(store, "旅 PLAN")] == [titled.id]
    store.follow(titled)
    titled.rename("Trip")
    store.submit(lambda db: None).result()
    assert found(store, "東京") == []
    store.submit(integrity_checked).result()


# -- kept in step with every write


def test_an_edited_message_is_found_by_its_new_text_only(store: Store) -> None:
    conversation = Conversation()
    store.follow(conversation)
    conversation.add("user", "翻译一下")
    reply = conversation.add("assistant", "容量进度")
    store.submit(lambda db: None).result()
    reply.content = "进度报告"
    conversation.changed(reply)
    store.submit(lambda db: None).result()
    assert found(store, "量进") == []
    assert found(store, "容") == []
    assert [h.message_id for h in found(store, "报告")] == [reply.id]
    reply.content = "plain text"
    conversation.changed(reply)
    store.submit(lambda db: None).result()
    assert found(store, "报告") == []
    store.submit(integrity_checked).result()


def test_a_deleted_message_leaves_the_index(store: Store) -> None:
    conversation = chat("Notes", "第一条消息", "第二条消息")
    saved(store, conversation)
    question, answer = conversation.messages
    number = store.read_now(
        lambda db: db.execute("SELECT num FROM messages WHERE id = ?", (answer.id,)).fetchone()[0]
    )
    assert number in store.read_now(indexed, "cjk_gram_fts", "二")
    store.submit(lambda db: db.execute("DELETE FROM messages WHERE id = ?", (answer.id,))).result()
    assert store.read_now(indexed, "cjk_gram_fts", "二") == []
    assert [h.message_id for h in found(store, "消息")] == [question.id]
    store.submit(integrity_checked).result()


def test_another_program_reads_and_deletes_what_has_no_cjk_without_parley_s_function(
    store: Store,
) -> None:
    english = chat("Plain", "hello", "world")
    chinese = chat("中文", "你好", "世界")
    saved(store, english, chinese)
    with closing(sqlite3.connect(store.path, isolation_level=None)) as tool:
        assert search(tool, "世界")[0].conversation_id == chinese.id  # reading needs nothing
        tool.execute("DELETE FROM conversations WHERE id = ?", (english.id,))
        with pytest.raises(sqlite3.OperationalError, match="no such function: parley_cjk_grams"):
            tool.execute("DELETE FROM conversations WHERE id = ?", (chinese.id,))
        with pytest.raises(sqlite3.OperationalError, match="no such function: parley_cjk_grams"):
            tool.execute(
                "UPDATE messages SET content = 'x' WHERE id = ?", (chinese.messages[1].id,)
            )
    assert [h.message_id for h in found(store, "世界")] == [chinese.messages[1].id]
    store.submit(integrity_checked).result()


# -- what a search costs


def _steps(store: Store, query: str) -> int:
    """How many SQLite instructions (in tens) a search runs: work, counted, not timed."""

    def counted(db: sqlite3.Connection) -> int:
        steps = [0]

        def step() -> int:
            steps[0] += 1
            return 0

        db.set_progress_handler(step, 10)
        try:
            search(db, query)
        finally:
            db.set_progress_handler(None, 10)
        return steps[0]

    return store.read_now(counted)


def test_a_rare_pair_costs_the_same_among_ten_times_as_many_cjk_messages(store: Store) -> None:
    def filler(start: int, count: int) -> list[Conversation]:
        return [
            long_chat(f"Notes {n}", [f"我们讨论机器学习的问题，第{n}次。" for _ in range(10)])
            for n in range(start, start + count)
        ]

    saved(store, chat("Rare", "先说容量进度"), *filler(0, 20))
    few = _steps(store, "量进")
    saved(store, *filler(20, 180))
    assert [h.title for h in found(store, "量进")] == ["Rare"]
    assert _steps(store, "量进") <= few + 5  # a read of every CJK message took ten times more


# -- property: the hits are exactly the messages that hold every term


ALPHABET = [*"世界你好猫は広いーｱﾟ한국", EDGES[0], EDGES[-1], *"a A,", "\u3000", "\ue0a0", "\ua000"]
"""Beside CJK: other letters, the ideographic space, and two characters of the range ``CJK``
takes beyond ``CJK_CHARS`` (private use, Yi)."""


@st.composite
def terms(draw: st.DrawFn, texts: list[str]) -> str:
    """One or two characters, one of them CJK at least: cut from a message, or made up."""
    text = draw(st.sampled_from(texts))
    if CJK_CHAR.search(text) and draw(st.booleans()):
        at = draw(st.sampled_from([m.start() for m in CJK_CHAR.finditer(text)]))
        return text[max(0, at - draw(st.integers(0, 1))) :][:2] if draw(st.booleans()) else text[at]
    term = draw(st.lists(st.sampled_from(ALPHABET), min_size=1, max_size=2).map("".join))
    return term if CJK_CHAR.search(term) else term[:1] + "世"


def _store_of(db: sqlite3.Connection, contents: list[str]) -> Conversation:
    conversation = Conversation(title="x")
    for number, content in enumerate(contents):
        conversation.add("user" if number % 2 == 0 else "assistant", content)
    db.execute("BEGIN")
    save_conversation(db, conversation_row(conversation))
    for message in conversation.all_messages():
        save_message(db, message_row(conversation.id, message, "me"))
    db.execute("COMMIT")
    return conversation


@pytest.mark.fuzz
@given(
    st.lists(st.text(st.sampled_from(ALPHABET), max_size=12), min_size=1, max_size=10),
    st.data(),
)
def test_the_hits_are_the_messages_that_hold_every_short_term(
    contents: list[str], data: st.DataObject
) -> None:
    with closing(connect(Path(":memory:"))) as db:
        migrate(db, None)
        conversation = _store_of(db, contents)
        messages = conversation.all_messages()
        for message in data.draw(
            st.lists(st.sampled_from(messages), max_size=3, unique_by=lambda m: m.id)
        ):
            message.content = data.draw(st.text(st.sampled_from(ALPHABET), max_size=12))
            save_message(db, message_row(conversation.id, message, "me"))  # an edit
        deleted = data.draw(st.sampled_from([None, *messages]))
        if deleted is not None:
            db.execute("DELETE FROM messages WHERE id = ?", (deleted.id,))
        remaining = {row[0] for row in db.execute("SELECT id FROM messages")}  # and replies
        kept = [m for m in messages if m.id in remaining]
        texts = [m.content for m in kept] or [""]
        query = data.draw(st.lists(terms(texts), min_size=1, max_size=3))
        current = data.draw(st.sampled_from(["", " in:current"]))  # read, not the index
        typed = " ".join(f'"{term}"' for term in query) + current
        hits = search(db, typed, limit=100, current=conversation.id)
        integrity_checked(db)
    wanted = [t for t in query if any(ch.isalnum() for ch in t)]  # as parse keeps them
    expected = {
        m.id for m in kept if wanted and all(t.lower() in m.content.lower() for t in wanted)
    }
    assert {hit.message_id for hit in hits if hit.message_id} == expected, query
