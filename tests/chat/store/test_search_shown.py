"""Search hits exactly as the results list shows them: every field of a hit, its marked
snippet to the character, and the order; with filters together, and queries at the limits."""

from __future__ import annotations

import dataclasses

from chat.conversation import Conversation
from chat.store import Store
from chat.store.search import CANDIDATES, MAX_QUERY_CHARS, Hit, parse, search


def saved(store: Store, *conversations: Conversation) -> None:
    for conversation in conversations:
        store.save(conversation).result()


def found(store: Store, text: str, *, limit: int = 50, current: str | None = None) -> list[Hit]:
    return store.read_now(lambda db: search(db, text, limit=limit, current=current))


def chat(title: str, *turns: str, provider: str | None = None) -> Conversation:
    conversation = Conversation(title=title, title_set=bool(title), provider=provider)
    for number, text in enumerate(turns):
        conversation.add("user" if number % 2 == 0 else "assistant", text)
    return conversation


def unranked(hits: list[Hit]) -> list[Hit]:
    """The hits without their bm25 rank (a float no person sees)."""
    return [dataclasses.replace(hit, rank=0.0) for hit in hits]


def test_a_short_chinese_hit_shows_forty_characters_either_side_unranked(store: Store) -> None:
    middle = chat("", "x" * 50 + "世界" + "y" * 50)
    start = chat("", "世界\n\nis  said   with spaces")
    end = chat("", "a" * 10 + "世界" + "b" * 38)  # the snippet ends where the text does
    saved(store, middle, start, end)
    assert found(store, "世界") == [
        Hit(c.id, c.title, c.messages[0].id, "user", c.messages[0].created, 0.0, parts)
        for c, parts in [
            (end, (("a" * 10, False), ("世界", True), ("b" * 38, False))),
            (start, (("世界", True), (" is said with spaces", False))),
            (middle, (("…" + "x" * 40, False), ("世界", True), ("y" * 38 + "…", False))),
        ]
    ]


def test_a_three_character_chinese_term_finds_only_the_texts_that_hold_it(store: Store) -> None:
    holds = chat("", "我住在東京都", "好的")
    saved(store, holds, chat("東京都の地図", "地図です"), chat("", "東京に行く", "都会"))
    hits = found(store, "東京都")
    assert [(hit.title, hit.message_id) for hit in hits] == [
        ("我住在東京都", holds.messages[0].id),  # titled by its question, which matches too
        ("東京都の地図", None),
    ]
    assert hits[1].parts == (("東京都", True), ("の地図", False))


def test_a_title_hit_shows_when_it_was_last_active_and_its_words_marked(store: Store) -> None:
    titled = chat("Soup", "What to cook?", "Borscht.")
    saved(store, titled)
    (hit,) = found(store, "soup")
    assert (hit.message_id, hit.role, hit.created) == (None, None, titled.updated)
    assert hit.parts == (("Soup", True),)


def test_a_prefix_marks_the_start_of_the_title_word_it_found(store: Store) -> None:
    saved(store, chat("Kubernetes upgrade", "When?", "Now."), chat("Xavier's notes", "hi"))
    assert [hit.parts for hit in found(store, "kube*")] == [
        (("Kube", True), ("rnetes upgrade", False))
    ]
    assert [hit.parts for hit in found(store, "X*")] == [(("X", True), ("avier's notes", False))]


def test_the_longest_of_overlapping_terms_is_marked_whole(store: Store) -> None:
    saved(store, chat("Kubernetes", "When?", "Now."), chat("世界地図", "hi"))
    assert [hit.parts for hit in found(store, "kube* KUBERNETES")] == [(("Kubernetes", True),)]
    assert [hit.parts for hit in found(store, "世 世界")] == [(("世界", True), ("地図", False))]


def test_every_match_in_a_snippet_is_marked(store: Store) -> None:
    saved(store, chat("", "soup first, then bread, then soup again"))
    (hit,) = found(store, "soup")
    assert hit.parts == (
        ("soup", True),
        (" first, then bread, then ", False),
        ("soup", True),
        (" again", False),
    )


def test_a_filter_alone_shows_each_title_unmarked_and_an_empty_one_as_nothing(
    store: Store,
) -> None:
    titled = chat("Local chat", "hi", provider="Ollama")
    untitled = Conversation(provider="Ollama", created=titled.created - 10)
    saved(store, titled, untitled)
    assert [hit.parts for hit in found(store, "provider:ollama")] == [
        (("Local chat", False),),
        (),
    ]


def test_provider_model_and_the_open_conversation_filter_together(store: Store) -> None:
    both = Conversation(title="Both", title_set=True, provider="Ollama", model="llama3")
    both.add("user", "soup please")
    other_model = Conversation(title="Other", title_set=True, provider="Ollama", model="qwen")
    other_model.add("user", "soup please")
    gone = Conversation(title="Gone", title_set=True, provider="Ollama", model="llama3")
    gone.add("user", "soup please")
    saved(store, both, other_model, gone)
    store.delete(gone.id).result()

    def titles(query: str, current: str | None = None) -> set[str]:
        return {hit.title for hit in found(store, query, current=current)}

    assert titles("soup provider:ollama model:llama3") == {"Both"}
    assert titles("soup provider:ollama") == {"Both", "Other"}
    assert titles("soup model:llama3 in:current", current=other_model.id) == set()
    assert titles("soup provider:ollama in:current", current=both.id) == {"Both"}


def test_in_current_finds_the_open_conversation_by_its_title(store: Store) -> None:
    opened = chat("Holiday plans", "Where to?", "Spain.")
    saved(store, opened, chat("Holiday notes", "hi"))
    hits = found(store, "holiday in:current", current=opened.id)
    assert [(hit.conversation_id, hit.message_id) for hit in hits] == [(opened.id, None)]


def test_a_short_term_of_chinese_and_a_letter_is_found_in_titles_in_any_case(
    store: Store,
) -> None:
    saved(store, chat("你好世A", "hi"), chat("你好世B", "hi"))
    assert [hit.title for hit in found(store, "世a")] == ["你好世A"]


def test_a_strong_title_match_lifts_its_messages_above_a_weak_title_s(store: Store) -> None:
    strong = chat("Soup", "A long question that mentions soup once among many other words")
    weak = chat("Notes on cooking, travel, trains, music and soup", "soup")
    others = [chat(f"Topic {n}", f"words {n}") for n in range(6)]
    saved(store, strong, weak, *others)
    hits = found(store, "soup")
    assert [hit.conversation_id for hit in hits] == [strong.id, weak.id]


def test_the_best_title_match_is_kept_when_only_one_hit_is_asked_for(store: Store) -> None:
    best = chat("Soup", "hi")
    newer = chat("Soup, bread, cheese and a long list of other things to buy", "hi")
    saved(store, best, newer)
    assert [hit.conversation_id for hit in found(store, "soup", limit=1)] == [best.id]


def test_a_word_and_a_chinese_term_rank_a_reply_that_matches_better_first(store: Store) -> None:
    conversation = chat(
        "A",
        "soup " + "and many other words besides " * 8 + "机器学习",
        "soup 机器学习",
    )
    saved(store, conversation)
    assert [hit.role for hit in found(store, "soup 机器学习")] == ["assistant", "user"]


def test_a_question_just_outside_the_best_hundred_still_comes_first(store: Store) -> None:
    replies = Conversation(title="Replies", title_set=True)
    replies.add("user", "x")
    for _ in range(CANDIDATES + 20):
        replies.add("assistant", "机器学习")
    asked = chat("Asked", "机器学习了")  # a little longer: ranked after every reply alone
    saved(store, replies, asked)
    hits = found(store, "机器学习", limit=10)
    assert (hits[0].conversation_id, hits[0].role) == (asked.id, "user")


def test_a_filter_that_keeps_exactly_as_many_as_asked_for_is_answered(store: Store) -> None:
    cloud = Conversation(title="Cloud", title_set=True, provider="OpenAI")
    for _ in range(CANDIDATES + 20):
        cloud.add("user", "机器学习")
    local = Conversation(title="Local", title_set=True, provider="Ollama")
    for _ in range(10):
        local.add("user", "机器学习")
    saved(store, cloud, local)  # the local ones are the newest, among the best hundred
    hits = found(store, "机器学习 provider:ollama", limit=10)
    assert unranked(hits) == [
        Hit(local.id, "Local", m.id, "user", m.created, 0.0, (("机器学习", True),))
        for m in reversed(local.messages)
    ]


def test_a_filter_that_keeps_few_of_many_chinese_matches_shows_them_whole(store: Store) -> None:
    cloud = Conversation(title="Cloud", title_set=True, provider="OpenAI")
    for _ in range(CANDIDATES + 20):
        cloud.add("user", "机器学习")
    local = Conversation(title="Local", title_set=True, provider="Ollama")
    local.add("user", "机器学习很难吗")
    local.add("assistant", "机器学习不难")
    saved(store, local, cloud)  # older than every cloud match: outside the best hundred
    hits = found(store, "机器学习 provider:ollama")
    assert sorted(unranked(hits), key=lambda hit: hit.role or "") == [
        Hit(local.id, "Local", m.id, m.role, m.created, 0.0, (("机器学习", True), (rest, False)))
        for m, rest in zip(reversed(local.messages), ["不难", "很难吗"], strict=True)
    ]


def test_a_word_with_a_quote_inside_is_searched_as_its_words(store: Store) -> None:
    saved(store, chat("", "snake case names"))
    assert len(found(store, 'snake"case')) == 1


def test_a_filter_value_may_hold_a_colon() -> None:
    assert parse("soup model:llama3:8b").model == "llama3:8b"


def test_a_query_of_exactly_the_longest_length_is_read() -> None:
    assert len(parse("a" * MAX_QUERY_CHARS).terms) == 1
