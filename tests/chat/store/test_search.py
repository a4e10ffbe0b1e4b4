"""Full-text search as a person meets it: what it finds, how it ranks and shows a hit, where a
hit leads, and that no query typed into the box can make it fail with anything but a sentence."""

from __future__ import annotations

import datetime
import re
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from chat.conversation import Conversation, Message, MessageState
from chat.store import Store, StoreError
from chat.store.functions import add_functions
from chat.store.rows import (
    conversation_row,
    load_conversation,
    message_row,
    save_conversation,
    save_message,
)
from chat.store.schema import migrate
from chat.store.search import (
    CANDIDATES,
    MAX_QUERY_CHARS,
    MAX_TERMS,
    Hit,
    Query,
    QueryError,
    Term,
    parse,
    search,
)
from tests.support.fuzz import only_raises


def saved(store: Store, *conversations: Conversation) -> None:
    for conversation in conversations:
        store.save(conversation).result()


def settled(store: Store) -> None:
    """Wait until what the store was told so far is written (the writer keeps its order)."""
    store.submit(lambda db: None).result()


def found(store: Store, text: str | Query, *, current: str | None = None) -> list[Hit]:
    return store.read_now(lambda db: search(db, text, current=current))


def found_many(store: Store, text: str, limit: int) -> list[Hit]:
    return store.read_now(lambda db: search(db, text, limit=limit))


def texts(hits: list[Hit]) -> list[str]:
    return [hit.snippet for hit in hits]


def marked(hit: Hit) -> list[str]:
    return [text for text, match in hit.parts if match]


def chat(
    title: str, *turns: str, provider: str | None = None, model: str | None = None
) -> Conversation:
    """A conversation whose turns alternate, a question first (titled by the first question
    when ``title`` is empty, as a new conversation is)."""
    conversation = Conversation(title=title, title_set=bool(title), provider=provider, model=model)
    for number, text in enumerate(turns):
        conversation.add("user" if number % 2 == 0 else "assistant", text)
    return conversation


def long_chat(title: str, texts: list[str], provider: str | None = None) -> Conversation:
    """A titled conversation of many turns."""
    conversation = Conversation(title=title, title_set=True, provider=provider)
    for number, text in enumerate(texts):
        conversation.add("user" if number % 2 == 0 else "assistant", text)
    return conversation


def local(year: int, month: int, day: int, hour: int = 12) -> float:
    return datetime.datetime(year, month, day, hour).timestamp()


GRAM_INDEXES = ("cjk_gram_fts", "title_gram_fts")


def integrity_checked(db: sqlite3.Connection) -> None:
    """FTS5's own check that each index holds exactly what its rows say (it raises if not)."""
    for table in ("message_fts", "title_fts", "cjk_fts", "title_cjk_fts", *GRAM_INDEXES):
        db.execute(f"INSERT INTO {table} ({table}, rank) VALUES ('integrity-check', 1)")


def indexed(db: sqlite3.Connection, index: str, gram: str) -> list[int]:
    """The rows a gram index lists for ``gram`` (from the index, not its view)."""
    found = db.execute(f"SELECT rowid FROM {index} WHERE {index} MATCH ?", (f'"{gram}"',))
    return [row[0] for row in found]


@pytest.fixture
def stores() -> Iterator[list[Store]]:
    """Stores a test opens itself (it removes those it closes); the rest are closed after."""
    opened: list[Store] = []
    try:
        yield opened
    finally:
        for store in opened:
            store.close()


# -- what it finds


def test_this_sqlite_has_the_indexes_search_needs() -> None:
    assert sqlite3.sqlite_version_info >= (3, 34)  # FTS5 with the trigram tokenizer
    db = sqlite3.connect(":memory:")
    try:
        db.execute("CREATE VIRTUAL TABLE t USING fts5 (x, tokenize = 'trigram')")
        db.execute("INSERT INTO t VALUES ('東京タワーは高い')")
        assert db.execute("SELECT count(*) FROM t WHERE t MATCH '\"タワー\"'").fetchone() == (1,)
    finally:
        db.close()


def test_a_word_is_found_in_any_case(store: Store) -> None:
    saved(store, chat("", "How do I upgrade Kubernetes?", "Drain the nodes first."))
    for query in ("kubernetes", "KUBERNETES", "KuBeRnEtEs"):
        assert texts(found(store, query)) == ["How do I upgrade Kubernetes?"]


def test_russian_words_are_found_in_any_case(store: Store) -> None:
    saved(store, chat("", "Привет, как настроить МОДЕЛЬ?", "Откройте настройки."))
    assert texts(found(store, "привет")) == ["Привет, как настроить МОДЕЛЬ?"]
    assert texts(found(store, "модель")) == ["Привет, как настроить МОДЕЛЬ?"]
    assert texts(found(store, "НАСТРОЙКИ")) == ["Откройте настройки."]
    assert texts(found(store, "прив*")) == ["Привет, как настроить МОДЕЛЬ?"]


def test_all_the_words_must_be_in_one_message(store: Store) -> None:
    saved(store, chat("", "pods restart often", "check the liveness probe"))
    assert texts(found(store, "pods often")) == ["pods restart often"]
    assert found(store, "pods probe") == []


def test_an_exact_phrase_matches_those_words_in_that_order(store: Store) -> None:
    saved(store, chat("", "the pods restart at night", "restart the pods by hand"))
    assert texts(found(store, '"pods restart"')) == ["the pods restart at night"]
    assert texts(found(store, '"Restart the PODS"')) == ["restart the pods by hand"]
    assert len(found(store, "pods restart")) == 2


def test_a_prefix_finds_every_word_that_starts_with_it(store: Store) -> None:
    saved(store, chat("", "kubectl get pods", "kubernetes lists them", "cubes are fine"))
    assert sorted(texts(found(store, "kube*"))) == ["kubectl get pods", "kubernetes lists them"]
    assert texts(found(store, "kub")) == []  # without the star, only the word itself


def test_chinese_and_japanese_are_found_inside_text_without_spaces(store: Store) -> None:
    saved(
        store,
        chat("", "我喜欢机器学习和数学", "東京タワーは高いです"),
        chat("", "天気はどうですか", "今日は晴れです"),
    )
    assert texts(found(store, "机器学习")) == ["我喜欢机器学习和数学"]
    assert texts(found(store, "タワーは")) == ["東京タワーは高いです"]
    assert texts(found(store, "晴れです")) == ["今日は晴れです"]
    assert found(store, "学习数学") == []


def test_one_or_two_chinese_or_japanese_characters_are_found_too(store: Store) -> None:
    saved(store, chat("", "你好世界", "東京は大きい"), chat("", "世の中", "hello"))
    assert texts(found(store, "世界")) == ["你好世界"]
    assert sorted(texts(found(store, "世"))) == ["世の中", "你好世界"]
    assert texts(found(store, "東京")) == ["東京は大きい"]


def test_a_code_identifier_is_found_whole(store: Store) -> None:
    saved(
        store,
        chat("", "Why is snake_case_name undefined?", "Call getUserName() from utf8_decode."),
        chat("", "A snake got into the case; what is its name?", "Ask a zoo."),
    )
    assert texts(found(store, "snake_case_name")) == ["Why is snake_case_name undefined?"]
    assert texts(found(store, "getusername")) == ["Call getUserName() from utf8_decode."]
    assert texts(found(store, "utf8_decode")) == ["Call getUserName() from utf8_decode."]


@pytest.mark.xfail(
    strict=True,
    reason="unicode61 reads a Latin word written against CJK text as part of one token "
    "(我用kubernetes部署服务), so the word alone does not match it",
)
def test_a_latin_word_written_inside_chinese_or_japanese_text_is_found(store: Store) -> None:
    saved(store, chat("A", "我用Kubernetes部署服务", "Pythonでスクリプトを書く"))
    assert len(found(store, "kubernetes")) == 1
    assert len(found(store, "python")) == 1


def test_a_reply_s_reasoning_is_searched_too(store: Store) -> None:
    conversation = chat("", "What is 2 + 2?")
    conversation.add("assistant", "4", reasoning="Adding two and two gives four, trivially.")
    saved(store, conversation)
    assert [hit.message_id for hit in found(store, "trivially")] == [conversation.messages[1].id]


def test_a_query_of_only_punctuation_or_nothing_finds_nothing(store: Store) -> None:
    saved(store, chat("Notes", "some text", "more text"))
    for query in ("", "   ", '""', "*", "()", "- ^ :"):
        assert found(store, query) == []


# -- how it ranks and shows a hit


def test_a_hit_shows_the_conversation_title_and_the_matched_words(store: Store) -> None:
    saved(store, chat("Cluster upgrade", "How do I upgrade Kubernetes?", "Drain nodes."))
    (hit,) = found(store, "kubernetes")
    assert hit.title == "Cluster upgrade"
    assert hit.role == "user"
    assert hit.parts == (("How do I upgrade ", False), ("Kubernetes", True), ("?", False))


def test_a_long_message_is_shown_as_a_snippet_around_the_match(store: Store) -> None:
    words = [f"filler{n}" for n in range(200)]
    words[120] = "needle"
    saved(store, chat("", " ".join(words)))
    (hit,) = found(store, "needle")
    assert marked(hit) == ["needle"]
    assert hit.snippet.startswith("…")
    assert len(hit.snippet) < 200


def test_chinese_and_japanese_matches_are_highlighted(store: Store) -> None:
    saved(store, chat("", "東京タワーは高いです", "你好世界"))
    assert marked(found(store, "東京タワー")[0]) == ["東京タワー"]
    assert marked(found(store, "世界")[0]) == ["世界"]


def test_a_short_chinese_match_is_highlighted_after_letters_whose_case_changes_length(
    store: Store,
) -> None:
    # "İ".lower() is two characters: the snippet was cut from the wrong place, without the match
    saved(store, chat("", "İ" * 100 + "世界" + "İ" * 100))
    (hit,) = found(store, "世界")
    assert marked(hit) == ["世界"]


def test_a_match_in_a_title_ranks_above_one_in_a_reply(store: Store) -> None:
    titled = chat("Kubernetes upgrade plan", "What should I do first?", "Back up etcd.")
    replied = chat("Cooking", "What is a good soup?", "Kubernetes soup is a joke; try borscht.")
    saved(store, replied, titled)
    hits = found(store, "kubernetes")
    assert [hit.conversation_id for hit in hits] == [titled.id, replied.id]
    assert hits[0].message_id is None  # the title is the hit: no message of it matched
    assert hits[0].parts == (("Kubernetes", True), (" upgrade plan", False))


def test_a_title_outranks_a_reply_however_many_titles_share_the_word(store: Store) -> None:
    # with the word in half the titles, bm25 gives a title match almost no weight at all
    saved(
        store,
        chat("Kubernetes notes", "pods?", "yes"),
        chat("Kubernetes, again", "nodes?", "no"),
        chat("Cooking", "soup?", "kubernetes soup"),
        chat("Travel", "where?", "Spain"),
    )
    hits = found(store, "kubernetes")
    assert [hit.title for hit in hits][-1] == "Cooking"


def test_a_chinese_match_in_a_title_ranks_above_one_in_a_reply(store: Store) -> None:
    titled = chat("東京旅行の計画", "何を持っていく？", "傘です")
    replied = chat("Packing", "何が必要？", "東京旅行なら傘を")
    saved(store, replied, titled)
    assert [hit.conversation_id for hit in found(store, "東京旅行")] == [titled.id, replied.id]


def test_a_match_in_a_question_ranks_above_one_in_a_reply(store: Store) -> None:
    asked = chat("A", "Tell me about kubernetes pods", "They are groups of containers.")
    answered = chat("B", "Tell me about container pods", "Kubernetes runs pods for you.")
    saved(store, answered, asked)
    hits = found(store, "kubernetes")
    assert [(hit.conversation_id, hit.role) for hit in hits] == [
        (asked.id, "user"),
        (answered.id, "assistant"),
    ]


def test_a_chinese_match_in_a_question_ranks_above_one_in_a_reply(store: Store) -> None:
    answered = chat("A", "请介绍一下", "机器学习很有趣")
    asked = chat("B", "机器学习难吗，我应该从哪里开始学呢", "不难")  # longer than the reply
    saved(store, answered, asked)
    assert [hit.role for hit in found(store, "机器学习")] == ["user", "assistant"]


def test_messages_of_a_conversation_whose_title_matches_come_first(store: Store) -> None:
    titled = chat("Pods that restart", "how do they come back", "pods restart on failure")
    other = chat("Misc", "pods restart, a question", "pods restart when probes fail")
    saved(store, titled, other)
    hits = found(store, "pods restart")
    assert hits[0].message_id == titled.messages[1].id
    assert len(hits) == 3  # the title lifts its conversation's hit: it is not listed beside it
    assert all(hit.message_id for hit in hits)
    assert found(store, "pods back") == []  # every word in one message, or all in the title


def test_the_best_hits_are_the_same_however_many_are_asked_for(store: Store) -> None:
    # more matches than the index ranks before reading rows (CANDIDATES): the first ten of
    # 400 hits, every match ranked, are the ten best (ties, the same text, newest first)
    filler = ["a", "b c", "d e f", "g h i j"]
    saved(
        store,
        long_chat("A", [f"soup {filler[n % 4]} {n}" for n in range(CANDIDATES + 60)]),
        long_chat("B", [f"机器学习{'很有趣' * (n % 5)}{n}" for n in range(CANDIDATES + 60)]),
        long_chat("C", ["the same borscht"] * (CANDIDATES + 60)),
    )
    for query in ("soup", "机器学习", "borscht"):
        every = found_many(store, query, 400)
        assert len(every) == CANDIDATES + 60
        assert found_many(store, query, 10) == every[:10], query
        assert found_many(store, query, 50) == every[:50], query


def test_any_limit_can_be_asked_for(store: Store) -> None:
    saved(store, long_chat("A", [f"soup {n}" for n in range(CANDIDATES + 60)]))
    assert len(found_many(store, "soup", 40_000)) == CANDIDATES + 60
    assert found_many(store, "soup", 0) == []


def test_a_filter_that_leaves_few_of_many_matches_still_finds_them(store: Store) -> None:
    many = long_chat("Cloud", [f"soup {n}" for n in range(CANDIDATES + 60)], provider="OpenAI")
    few = long_chat("Local", ["the soup of the day, with a long tail of words", "soup?"])
    few.update(provider="Ollama")
    cjk_many = long_chat("Cloud", [f"机器学习{n}" for n in range(CANDIDATES + 60)], "OpenAI")
    cjk_few = long_chat("Local", ["机器学习和很多很多别的东西", "机器学习？"], provider="Ollama")
    saved(store, many, few, cjk_many, cjk_few)
    assert {h.message_id for h in found(store, "soup provider:ollama")} == {
        m.id for m in few.messages
    }
    assert {h.message_id for h in found(store, "机器学习 provider:ollama")} == {
        m.id for m in cjk_few.messages
    }
    store.delete(many.id).result()
    assert {h.message_id for h in found(store, "soup")} == {m.id for m in few.messages}


# -- where a hit leads


def test_choosing_a_hit_on_another_branch_opens_that_branch(store: Store) -> None:
    conversation = Conversation()
    store.follow(conversation)
    question = conversation.add("user", "Which sorting algorithm is stable?")
    old_reply = conversation.add("assistant", "Mergesort is stable.")
    conversation.edit(question, "Which sorting algorithm is fastest?")
    conversation.add("assistant", "Quicksort, usually.")
    settled(store)
    (hit,) = found(store, "mergesort")
    assert hit.message_id == old_reply.id
    opened = store.read_now(load_conversation, hit.conversation_id)
    assert opened is not None
    assert old_reply.id not in [m.id for m in opened.messages]  # not the active branch
    target = opened.get(hit.message_id)
    assert target is not None
    opened.switch_to(target)
    assert [m.content for m in opened.messages] == [
        "Which sorting algorithm is stable?",
        "Mergesort is stable.",
    ]


def test_each_version_of_an_edited_question_is_found(store: Store) -> None:
    conversation = Conversation()
    store.follow(conversation)
    first = conversation.add("user", "Is borscht hot?")
    second = conversation.edit(first, "Is gazpacho cold?")
    settled(store)
    assert [hit.message_id for hit in found(store, "borscht")] == [first.id]
    assert [hit.message_id for hit in found(store, "gazpacho")] == [second.id]


# -- kept in step with what is written


def test_a_reply_is_found_by_the_text_it_ended_with(store: Store) -> None:
    conversation = Conversation()
    store.follow(conversation)
    conversation.add("user", "Name a planet.")
    reply = conversation.add("assistant", "", state=MessageState.STREAMING)
    conversation.streamed(reply, "Jupiter")
    reply.content = "Saturn, on second thought."
    reply.state = MessageState.COMPLETE
    conversation.changed(reply)
    settled(store)
    assert [hit.message_id for hit in found(store, "saturn")] == [reply.id]
    assert found(store, "jupiter") == []


def test_a_renamed_conversation_is_found_by_its_new_title_only(store: Store) -> None:
    conversation = chat("Old name", "hello")
    store.follow(conversation)
    saved(store, conversation)
    conversation.rename("Holiday planning")
    settled(store)
    assert [hit.title for hit in found(store, "holiday")] == ["Holiday planning"]
    assert found(store, "old") == []


def test_a_message_that_turns_chinese_is_found_by_its_new_text(store: Store) -> None:
    conversation = Conversation()
    store.follow(conversation)
    conversation.add("user", "translate please")
    reply = conversation.add("assistant", "東京タワー")
    settled(store)
    reply.content = "plain words now"
    conversation.changed(reply)
    settled(store)
    assert found(store, "東京タワー") == []
    assert found(store, "東京") == []
    reply.content = "机器学习"
    conversation.changed(reply)
    settled(store)
    assert [hit.message_id for hit in found(store, "机器学习")] == [reply.id]
    store.submit(integrity_checked).result()


def test_deleted_conversations_are_not_found_until_restored(store: Store) -> None:
    kept = chat("Kubernetes notes", "kubernetes pods", "東京タワー")
    deleted = chat("Kubernetes plans", "kubernetes nodes", "東京タワーは高い")
    saved(store, kept, deleted)
    store.delete(deleted.id).result()
    for query in ("kubernetes", "plans", "nodes", "東京タワー", "東京"):
        assert deleted.id not in {hit.conversation_id for hit in found(store, query)}, query
    store.restore(deleted.id).result()
    assert deleted.id in {hit.conversation_id for hit in found(store, "nodes")}


def test_purged_conversations_leave_nothing_in_the_index(store: Store) -> None:
    gone = chat("Kubernetes plans", "kubernetes nodes", "東京タワーは高い")
    gone_too = chat("", "東京の計画", "高い")  # a CJK title too
    saved(store, gone, gone_too, chat("Kept", "kept words"))
    store.delete(gone.id).result()
    store.delete(gone_too.id).result()
    store.purge_deleted().result()
    for query in ("nodes", "plans", "東京", "高", "計画"):
        assert found(store, query) == [], query
    store.submit(integrity_checked).result()
    for index in GRAM_INDEXES:  # integrity-check: the index holds what its view says; and:
        assert store.read_now(indexed, index, "東") == [], index


def test_hits_point_at_the_right_messages_after_deletes_edits_and_vacuum(
    tmp_path: Path, stores: list[Store]
) -> None:
    path = tmp_path / "parley.db"
    store = Store.open(path)
    stores.append(store)
    conversations = [
        chat(f"Topic {n}", f"question marker{n}q", f"reply marker{n}r 東京{n:03d}タワー")
        for n in range(30)
    ]
    saved(store, *conversations)
    edited = conversations[29]
    store.follow(edited)
    reply = edited.messages[1]
    reply.content = "reply rewritten marker29new"
    edited.changed(reply)
    for conversation in conversations[::3]:  # leaves gaps in the rows' numbers
        store.delete(conversation.id).result()
    store.purge_deleted().result()
    stores.remove(store)
    store.close()
    db = sqlite3.connect(path, isolation_level=None)
    try:
        db.execute("VACUUM")
    finally:
        db.close()

    store = Store.open(path)
    stores.append(store)
    for number, conversation in enumerate(conversations):
        question, answer = conversation.messages
        purged = number % 3 == 0
        q_hits = [(h.conversation_id, h.message_id) for h in found(store, f"marker{number}q")]
        assert q_hits == ([] if purged else [(conversation.id, question.id)])
        cjk = [h.message_id for h in found(store, f"東京{number:03d}タワー")]
        assert cjk == ([] if purged or conversation is edited else [answer.id])
    assert [h.message_id for h in found(store, "marker29new")] == [reply.id]
    assert found(store, "marker29r") == []
    opened = store.read_now(load_conversation, conversations[29].id)
    assert opened is not None
    assert opened.messages[1].content == "reply rewritten marker29new"
    store.submit(integrity_checked).result()


# -- filters


def test_provider_and_model_filters_keep_the_conversations_that_used_them(store: Store) -> None:
    local_chat = chat("", "soup recipe", "borscht", provider="Ollama", model="llama3")
    cloud_chat = chat("", "soup recipe", "gazpacho", provider="OpenAI", model="gpt-4o")
    switched = chat("", "soup recipe", provider="OpenAI", model="gpt-4o")
    switched.add("assistant", "okroshka", provider="Ollama", model="qwen2.5")
    saved(store, local_chat, cloud_chat, switched)

    def conversations(query: str) -> set[str]:
        return {hit.conversation_id for hit in found(store, query)}

    assert conversations("recipe provider:ollama") == {local_chat.id, switched.id}
    assert conversations("recipe model:gpt-4o") == {cloud_chat.id, switched.id}
    assert conversations("model:qwen2.5 recipe") == {switched.id}
    assert conversations('recipe model:"llama3"') == {local_chat.id}
    assert conversations("recipe provider:Mistral") == set()


def test_a_filter_alone_lists_the_conversations_it_keeps(store: Store) -> None:
    ollama = chat("Local chat", "hi", provider="Ollama")
    saved(store, ollama, chat("Cloud chat", "hi", provider="OpenAI"))
    assert [(hit.title, hit.message_id) for hit in found(store, "provider:Ollama")] == [
        ("Local chat", None)
    ]


def test_before_and_after_filter_by_the_day_a_message_was_written(store: Store) -> None:
    autumn = Conversation(created=local(2026, 11, 10))
    autumn.add("user", "soup recipe", created=local(2026, 11, 10))
    winter = Conversation(created=local(2026, 12, 5))
    winter.add("user", "soup recipe", created=local(2026, 12, 5))
    saved(store, autumn, winter)

    def days(query: str) -> list[str]:
        dates = [datetime.date.fromtimestamp(hit.created) for hit in found(store, query)]
        return sorted(day.isoformat() for day in dates)

    assert days("soup after:2026-12-01") == ["2026-12-05"]
    assert days("soup before:2026-12-01") == ["2026-11-10"]
    assert days("soup after:2026-11") == ["2026-11-10", "2026-12-05"]
    assert days("soup after:2026-11-10") == ["2026-11-10", "2026-12-05"]  # that day counts
    assert days("soup before:2026-11-10") == []  # before the day starts
    assert days("soup before:2027 after:2026-11-11") == ["2026-12-05"]
    assert days("soup after:2027") == []


def test_in_current_searches_only_the_open_conversation(store: Store) -> None:
    open_one = chat("Open", "soup recipe", "borscht")
    other = chat("Other", "soup recipe", "gazpacho")
    saved(store, open_one, other)
    hits = found(store, "soup in:current", current=open_one.id)
    assert {hit.conversation_id for hit in hits} == {open_one.id}
    assert len(found(store, "soup")) == 2
    with pytest.raises(QueryError, match="open one first"):
        found(store, "soup in:current")


# -- what cannot be searched for says why


@pytest.mark.parametrize(
    ("query", "named"),
    [
        ("soup before:2026-13-01", "2026-13-01"),
        ("soup after:2026-02-30", "2026-02-30"),
        ("after:yesterday", "yesterday"),
        ("before:12/01/2026", "12/01/2026"),
        ("before:0000", "0000"),
        ("in:other", "other"),
        ("in:", "in:"),
        ("provider:", "provider:"),
        ('model:""', "model:"),
        ("soup after:", "after:"),
    ],
)
def test_a_filter_that_cannot_be_used_says_how_to_write_it(query: str, named: str) -> None:
    with pytest.raises(QueryError) as caught:
        parse(query)
    sentence = str(caught.value)
    assert named in sentence
    assert sentence.endswith(".")
    assert "e.g." in sentence or "only “current”" in sentence


def test_a_query_too_long_to_be_typed_says_how_long_one_may_be() -> None:
    with pytest.raises(QueryError, match=r"^Shorten the search to 1,000 characters"):
        parse("word " * 1000)
    with pytest.raises(QueryError, match=rf"^Search for at most {MAX_TERMS} words"):
        parse(" ".join(f"w{n}" for n in range(MAX_TERMS + 1)))
    assert len(parse(" ".join(f"w{n}" for n in range(MAX_TERMS))).terms) == MAX_TERMS


def test_a_query_built_in_code_is_held_to_the_same_limit(store: Store) -> None:
    many = Query(terms=tuple(Term("世") for _ in range(MAX_TERMS + 1)))
    with pytest.raises(QueryError, match="at most"):
        found(store, many)


def test_filters_are_read_in_any_case_and_quoted() -> None:
    query = parse('Provider:Ollama MODEL:"llama 3" In:Current after:2026-11 x')
    assert (query.provider, query.model, query.in_current) == ("Ollama", "llama 3", True)
    assert query.after == local(2026, 11, 1, 0)
    assert [term.text for term in query.terms] == ["x"]


def test_a_word_with_a_colon_that_is_no_filter_is_searched_for(store: Store) -> None:
    saved(store, chat("", "see http://example.com now", "ok"))
    assert len(found(store, "http://example.com")) == 1
    assert [term.text for term in parse('note:"two words"').terms] == ["note:two words"]


def test_characters_sqlite_cannot_take_are_read_as_spaces(store: Store) -> None:
    saved(store, chat("", "kubernetes pods", "東京タワー"))
    assert len(found(store, "kubernetes\x00pods")) == 1  # NUL once ended the FTS5 string
    assert len(found(store, "東京\x00タワー")) == 1
    assert len(found(store, "kubernetes\ud800")) == 1  # a lone surrogate cannot be encoded


# -- properties: any query text


FRAGMENTS = [
    '"', "*", ":", "(", ")", "NEAR", "NEAR(", "NEAR/2", "AND", "OR", "NOT", "and", "^", "-",
    "+", " ", "\t", "\n", "\u3000", "\x00", "\ufeff", "\ud800", "'", "\\", ",", ".", "{", "}",
    "[", "]", "#", "%", "|", "=", "<", ">", "/", "provider:", "model:", "before:", "after:",
    "in:", "in:current", "In:CURRENT", "provider:Ollama", 'model:"gpt 4"', 'x:"',
    "before:2026-12-01", "after:2026-11", "after:1970", "before:0001", "after:9999-12-31",
    "before:2026-99",
    "kubernetes", "Kubern", "pods", "Привет", "мир", "ПРИВЕТ", "東京", "東京タワー", "世", "世界",
    "日本語", "タ", "snake_case_name", "getUserName", "x", "a", "1", "2026", "ß", "İ", "é",
    "\u0301", "½", "\U0001f600", "question:", "answer:", "reasoning:", "{question answer}:",
    "title:", "rowid", "rank", "MATCH", "bm25(", '""', "**", "*a", "a*b",
]  # fmt: skip
ANY_CHAR = st.characters(exclude_categories=())  # surrogates and NUL too
QUERIES = st.one_of(
    st.lists(st.sampled_from(FRAGMENTS) | st.text(ANY_CHAR, max_size=3), max_size=16).map("".join),
    st.text(ANY_CHAR, max_size=80),
    st.text(st.sampled_from('"*:()^-+ 世aA'), max_size=40),
)


@st.composite
def long_runs(draw: st.DrawFn) -> str:
    """One fragment repeated, up to the length limit or far beyond it (~1 MiB)."""
    unit = draw(st.sampled_from([*FRAGMENTS, "a ", "世 ", "x* ", 'k:"', "a:"]))
    most = draw(st.sampled_from([MAX_QUERY_CHARS, 1 << 20])) // len(unit)
    return draw(st.text(max_size=8)) + unit * draw(st.integers(1, most))


@pytest.mark.fuzz
@given(QUERIES | long_runs())
@example("a " * (MAX_QUERY_CHARS // 2))
@example('"' * MAX_QUERY_CHARS)
@example("世" * (1 << 20))
def test_parse_raises_only_query_error_and_in_linear_time(text: str) -> None:
    result = only_raises(lambda: parse(text), QueryError)  # and within the time bound
    if isinstance(result, QueryError):
        assert str(result).endswith(")") or str(result).endswith(".")
        return
    assert isinstance(result, Query)
    assert len(result.terms) <= MAX_TERMS
    assert all(any(ch.isalnum() for ch in term.text) for term in result.terms)


def populate(store: Store) -> Conversation:
    """A store with a bit of everything a search can touch; returns the open conversation."""
    opened = chat(
        "Kubernetes notes",
        "How do I restart pods? snake_case_name",
        "Use kubectl rollout restart. 東京タワーは高い",
        provider="Ollama",
        model="llama3",
    )
    opened.edit(opened.messages[0], "Привет, МИР! 世界 getUserName")
    opened.add("assistant", "日本語のテキスト", reasoning="thinking (about) NEAR AND OR")
    gone = chat("Deleted one", "kubernetes 世界", "gone")
    saved(
        store,
        opened,
        gone,
        chat("", '"quoted" *stars* col:on (parens) ^caret -minus', "東京"),
        chat("東京旅行", "question: answer: reasoning:", provider="OpenAI", model="gpt 4"),
    )
    store.delete(gone.id).result()
    return opened


@pytest.mark.fuzz
def test_search_raises_only_query_error_for_any_query(store: Store) -> None:
    opened = populate(store)

    @given(text=QUERIES, current=st.sampled_from([None, opened.id]))
    @example(text="kubernetes\x00pods", current=None)
    @example(text="世 " * MAX_TERMS, current=opened.id)
    @example(text="世界世 " * MAX_TERMS, current=None)
    @example(text="x* " * MAX_TERMS, current=None)
    @example(text="a:" * (MAX_QUERY_CHARS // 2), current=None)
    @example(text='NEAR("a" "b", 2) AND question:x OR {answer}:y NOT ^z', current=None)
    def check(text: str, current: str | None) -> None:
        hits = only_raises(lambda: found(store, text, current=current), QueryError)
        if isinstance(hits, BaseException):
            assert str(hits)
            return
        assert len(hits) <= 50
        assert all(hit.title != "Deleted one" for hit in hits)
        assert all(hit.parts for hit in hits)

    check()


# -- property: the hits are exactly the messages that hold the words


VOCABULARY = [
    "kubernetes", "Kubernetes", "pods", "restart", "soup", "borscht", "snake_case_name",
    "getUserName", "utf8", "Привет", "привет", "МИР", "мир", "Москва", "код", "2026",
    "東京", "東京タワー", "世界", "世", "日本語", "机器学习", "タワー", "は", "猫", "量进", "ｱｲ",
    "한국어", "한국", "국",
]  # fmt: skip
CJK = re.compile("[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff66-\uff9f\uac00-\ud7af]")


def tokens(text: str) -> list[str]:
    """Words as FTS5's unicode61 tokenizer reads them (letters and digits; ``_`` splits)."""
    return re.findall(r"[^\W_]+", text.lower())


@st.composite
def messages(draw: st.DrawFn) -> str:
    words = draw(st.lists(st.sampled_from(VOCABULARY), min_size=1, max_size=8))
    text = words[0]
    for word in words[1:]:
        both_cjk = CJK.match(word) and CJK.match(text[-1])
        text += draw(st.sampled_from(["", " "] if both_cjk else [" ", ", ", "_", ".\n"])) + word
    return text


@st.composite
def term_queries(draw: st.DrawFn) -> list[tuple[str, bool, str]]:
    """Terms as (text, prefix, what is typed)."""
    terms = []
    for _ in range(draw(st.integers(1, 3))):
        word = draw(st.sampled_from(VOCABULARY))
        form = draw(st.sampled_from(["word", "prefix", "phrase"]))
        if form == "prefix" and not CJK.match(word):
            start = word[: draw(st.integers(1, len(word)))]
            terms.append((start, True, start + "*"))
        elif form == "phrase":
            second = draw(st.sampled_from(VOCABULARY))
            phrase = f"{word} {second}"
            terms.append((phrase, False, f'"{phrase}"'))
        else:
            terms.append((word, False, word))
    return terms


def holds(content: str, term: str, prefix: bool) -> bool:
    if CJK.search(term):
        return term.lower() in content.lower()
    wanted, have = tokens(term), tokens(content)
    for at in range(len(have) - len(wanted) + 1):
        window = have[at : at + len(wanted)]
        if window[:-1] == wanted[:-1] and (
            window[-1].startswith(wanted[-1]) if prefix else window[-1] == wanted[-1]
        ):
            return True
    return False


@pytest.mark.fuzz
@given(st.lists(messages(), min_size=1, max_size=12), term_queries())
def test_the_hits_are_the_messages_that_hold_every_term(
    contents: list[str], terms: list[tuple[str, bool, str]]
) -> None:
    db = sqlite3.connect(":memory:", isolation_level=None)
    try:
        add_functions(db)
        migrate(db, None)
        conversation = Conversation(title="x")
        for number, content in enumerate(contents):
            conversation.add("user" if number % 2 == 0 else "assistant", content)
        db.execute("BEGIN")
        save_conversation(db, conversation_row(conversation))
        for message in conversation.all_messages():
            save_message(db, message_row(conversation.id, message, "me"))
        db.execute("COMMIT")
        query = " ".join(typed for _, _, typed in terms)
        hits = search(db, query, limit=100)
    finally:
        db.close()
    expected = {
        m.id
        for m in conversation.all_messages()
        if all(holds(m.content, text, prefix) for text, prefix, _ in terms)
    }
    assert {hit.message_id for hit in hits if hit.message_id} == expected, query
    by_id = {m.id: m for m in conversation.all_messages()}
    for hit in hits:
        if hit.message_id:
            source: Message = by_id[hit.message_id]
            assert hit.role == source.role
            shown = " ".join(hit.snippet.replace("…", "").split())
            assert shown in " ".join(source.content.split())


def test_a_bad_query_reaches_the_caller_as_itself_through_the_store(store: Store) -> None:
    with pytest.raises(QueryError):
        found(store, "before:someday")
    assert not issubclass(QueryError, StoreError)
