"""Full-text search over a large store: Parley's FTS5 queries beside a ``LIKE '%word%'`` scan."""

from __future__ import annotations

import functools
import hashlib
import inspect
import itertools
import math
import os
import random
import sqlite3
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from chat.store import functions, migrations, rows, schema
from chat.store.database import connect
from chat.store.search import search

from .common import Figure, median

Row = tuple[Any, ...]

TITLE = "Search: full-text queries over a large store"
SIZES = tuple(
    int(size) for size in os.environ.get("PARLEY_BENCH_SEARCH_SIZES", "100000,1000000").split(",")
)
"""How many messages each store holds (``PARLEY_BENCH_SEARCH_SIZES=100000`` for one)."""
CACHE = Path(os.environ.get("PARLEY_BENCH_CACHE") or Path(tempfile.gettempdir()) / "parley-bench")
"""Where built stores are kept between runs (named after the schema and the corpus)."""
QUERIES = 20
RUNS = 5
PEER_QUERIES = 5
"""The scan reads every row: each of its queries runs once, on fewer queries."""
TARGETS_MS = {100_000: 10.0, 1_000_000: 50.0}
MESSAGES_PER_CONVERSATION = 10
CORPUS_VERSION = 1
"""Bump it when the text the corpus makes changes: kept stores are named after it."""
_SIZES = " and ".join(f"{n:,}" for n in SIZES)
ABOUT = (
    f"Stores of {_SIZES} messages (about 500 bytes each: English, Russian, Chinese, Japanese "
    "and code, words drawn Zipf-like from each language's vocabulary; questions short, "
    f"replies long; {MESSAGES_PER_CONVERSATION} messages a conversation) are built through "
    "the real schema (`connect` + `migrate`, plain INSERTs: the triggers fill the indexes, as "
    "in use) and kept under the temp folder between runs. Parley is "
    "`chat.store.search.search(db, text)` (50 hits, ranked, with snippets) on a connection "
    "made as the store's reader is; the peer is PyGPT's search, a `LIKE '%text%'` over the "
    "titles and every message joined to its conversation, newest conversation first "
    f"(LIMIT 50), over the same rows. Word queries are {QUERIES} mid-frequency words "
    "(English and Russian terms, each in 0.5-2% of messages) and, apart, the most "
    "common words; phrases are two neighbouring words taken from the messages; CJK queries "
    "are 3-4 characters (the trigram index) or 2 (the index of characters and pairs) cut from the "
    f"messages. Each query runs once to warm the cache, then {RUNS} times; medians and 95th "
    f"percentiles over all runs, wall clock (the note gives this process's CPU time, which "
    f"other work on the machine does not lengthen). The peer runs {PEER_QUERIES} of the "
    "queries once each."
)

# -- the corpus


def _words(text: str) -> list[str]:
    return text.split()


ENGLISH = _words(
    "the to and of a in is it you that for this be on with are as can not have if your "
    "or but will do what so an use at from by there how all one which would more about "
    "when then like make they need also just should some get any here out up time into "
    "than only other way could first each file new because way these work see example "
    "want know does because value set data same code well very most run different line "
    "change much think error next where why after problem over call case help used back "
    "using point output both while still create many without type check number return "
    "might before default add simple already thing list good through something between "
    "default instead name test version user since another part find text order keep try "
    "object function"
)
TERMS = _words(
    "kubernetes docker container python javascript rust compiler database index query "
    "sqlite postgres migration schema transaction thread async await coroutine socket "
    "request response header cookie session token timeout proxy certificate tls "
    "encryption password keyring deployment cluster node pod service ingress namespace "
    "volume memory cache latency throughput benchmark profiler allocator garbage "
    "pointer reference closure iterator generator decorator exception traceback logging "
    "config parser tokenizer grammar regex unicode encoding utf8 locale timezone "
    "calendar recipe borscht pancake garden tomato bicycle marathon guitar telescope "
    "galaxy photosynthesis mitochondria vaccine antibody algebra matrix eigenvalue "
    "integral derivative probability gradient optimizer transformer embedding attention"
)
RUSSIAN = _words(
    "и в не на я что он с это как а то по но она к у мы вы из за так же от для все "
    "его был только или бы если уже когда есть можно нужно очень тоже может было "
    "потому здесь там теперь этот такой какой который где почему надо сейчас время "
    "работа код файл ошибка данные функция сервер запрос ответ база таблица индекс "
    "поиск пример значение строка список память процесс поток версия настройка модель "
    "программа система пользователь проект задача решение вопрос результат метод "
    "класс объект переменная контейнер кластер развертывание сеть пароль ключ"
)
RUSSIAN_TERMS = _words("контейнер кластер развертывание переменная настройка таблица")
CHINESE = (
    "的一是不了人我在有他这中大来上国个到说们为子和你地出道也时年得就那要下以生会自着"
    "去之过家学对可她里后小么心多天而能好都然没日于起还发成事只作当想看文无开手十用主"
    "行方又如前所本见经头面公同三已老从动两长知民样现分将外但身些与高意进把法此实回二"
    "理美点月明其种声全工己话儿者向情部正名定女问力机给等几很业最间新什打便位因重被走"
    "电四第门相次东政海口使教西再平真听世气信北少关并内加化由却代军产入先山五太水万市"
    "眼体别处总才场师书比住员九笑性通目华报立马命张活难神数件安表原车白应路期叫死常提"
    "感金何更反合放做系计或司利受光王果亲界及今京务制解各任至清物台象记边共风战干接它"
).replace(" ", "")
CHINESE_WORDS = _words("机器学习 数据库 服务器 容器 集群 索引 查询 编程 函数 变量")
KANJI = "日本語東京大阪京都学校先生時間仕事電車会社駅店家族友達天気今日明日食事料理映画音楽"
HIRAGANA = "はがをにでとのへもやからまでよりですますでしたませんかねよ"
KATAKANA_WORDS = _words("コンテナ サーバー データベース プログラム ファイル エラー テスト ユーザー")
CODE = [
    "def {a}_{b}({c}, {d}):\n    return {c}.{e}({d})\n",
    "for {c} in {a}_{b}:\n    if {c} is None:\n        continue\n    {d}.append({c})\n",
    "const {a}{B} = await fetch(`/{c}/${{{d}}}`);\n",
    "SELECT {a}, {b} FROM {c} WHERE {d} = ? ORDER BY {e};\n",
    "fn {a}_{b}(&self, {c}: usize) -> Result<{B}, Error> {{ Ok(self.{d}) }}\n",
    'Traceback (most recent call last):\n  File "{a}.py", line 42, in {b}_{c}\n{B}Error: {d} {e}\n',
    "$ kubectl rollout restart deployment/{a}-{b}\n",
]


ENGLISH_SOUNDS = (
    _words("b c d f g h j k l m n p r s t v w st tr pl gr ch sh th br cl fr sp"),
    _words("a e i o u ea ou ai io ee oo"),
    ["", "", "n", "r", "s", "t", "l", "m", "nd", "st", "ck", "ng", "ss"],
)
RUSSIAN_SOUNDS = (
    _words("б в г д ж з к л м н п р с т ф х ц ч ш ст пр кр тр гр др"),
    _words("а е и о у ы я ю ё э"),
    ["", "", "н", "р", "с", "т", "л", "м", "к", "ть", "ст", "нь"],
)


def _vocabulary(
    common: list[str],
    terms: list[str],
    sounds: tuple[list[str], list[str], list[str]],
    size: int,
    rng: random.Random,
) -> list[str]:
    """``common`` words first, then made-up words of the language's sounds to ``size``, with
    ``terms`` (the words queried) spread from rank 200 to 3,000, as topical words are."""
    known = set(common) | set(terms)
    made: list[str] = []
    while len(made) < size - len(common) - len(terms):
        word = "".join(
            rng.choice(sounds[0]) + rng.choice(sounds[1]) + rng.choice(sounds[2])
            for _ in range(rng.choice((1, 2, 2)))
        )
        if word not in known:
            known.add(word)
            made.append(word)
    words = common + made
    for number, term in enumerate(terms):
        words.insert(200 + number * 2800 // len(terms), term)
    return words


def _cumulative(count: int) -> list[float]:
    """Zipf-like cumulative weights for ``count`` words, the first the most common."""
    total, out = 0.0, []
    for rank in range(count):
        total += 1.0 / (rank + 2.7)
        out.append(total)
    return out


class Corpus:
    """Text like people's conversations with a model, the same for a seed on every machine."""

    def __init__(self, seed: int = 2026) -> None:
        self.rng = random.Random(seed)
        self.english = _vocabulary(ENGLISH, TERMS, ENGLISH_SOUNDS, 30_000, self.rng)
        self.english_weights = _cumulative(len(self.english))
        self.russian = _vocabulary(RUSSIAN, RUSSIAN_TERMS, RUSSIAN_SOUNDS, 10_000, self.rng)
        self.russian_weights = _cumulative(len(self.russian))
        self.chinese_weights = _cumulative(len(CHINESE))

    def _words(self, words: list[str], weights: list[float], count: int) -> list[str]:
        return self.rng.choices(words, cum_weights=weights, k=count)

    def _english(self, count: int) -> str:
        words = self._words(self.english, self.english_weights, count)
        return _sentences(words, self.rng)

    def _russian(self, count: int) -> str:
        words = self._words(self.russian, self.russian_weights, count)
        if self.rng.random() < 0.3:  # a technical word in Latin letters, as people write them
            words.insert(self.rng.randrange(len(words) + 1), self.rng.choice(TERMS))
        return _sentences(words, self.rng)

    def _chinese(self, count: int) -> str:
        chars = self.rng.choices(CHINESE, cum_weights=self.chinese_weights, k=count)
        for _ in range(count // 20):
            chars.insert(self.rng.randrange(len(chars) + 1), self.rng.choice(CHINESE_WORDS))
        if self.rng.random() < 0.5:
            chars.insert(self.rng.randrange(len(chars) + 1), f" {self.rng.choice(TERMS)} ")
        text, at = "", 0
        while at < len(chars):
            step = self.rng.randint(8, 20)
            text += "".join(chars[at : at + step]) + self.rng.choice("，，。")
            at += step
        return text

    def _japanese(self, count: int) -> str:
        pieces = []
        for _ in range(count):
            roll = self.rng.random()
            if roll < 0.45:
                pieces.append(self.rng.choice(KANJI) + self.rng.choice(KANJI))
            elif roll < 0.9:
                pieces.append(self.rng.choice(HIRAGANA) * self.rng.randint(1, 2))
            else:
                pieces.append(self.rng.choice(KATAKANA_WORDS))
            if self.rng.random() < 0.08:
                pieces.append("。")
        return "".join(pieces) + "。"

    def _code(self) -> str:
        names = self.rng.choices(TERMS + ENGLISH[60:], k=5)
        return (
            "```\n"
            + self.rng.choice(CODE).format(
                a=names[0], b=names[1], c=names[2], d=names[3], e=names[4], B=names[1].title()
            )
            + "```\n"
        )

    def message(self, language: str, question: bool) -> str:
        scale = self.rng.choice((0.3, 0.5, 0.8, 1.0, 1.3, 2.0))
        words = max(3, int((20 if question else 120) * scale))
        if language == "ru":
            text = self._russian(words)
        elif language == "zh":
            text = self._chinese(words * 2)
        elif language == "ja":
            text = self._japanese(words)
        else:
            text = self._english(words)
        if not question and language in ("en", "ru") and self.rng.random() < 0.3:
            text += "\n\n" + self._code()
        return text

    def language(self) -> str:
        return self.rng.choices(("en", "ru", "zh", "ja"), weights=(65, 17, 9, 9))[0]

    def ident(self) -> str:
        return f"{self.rng.getrandbits(128):032x}"


def _sentences(words: list[str], rng: random.Random) -> str:
    out, at = [], 0
    while at < len(words):
        step = rng.randint(6, 16)
        sentence = " ".join(words[at : at + step])
        out.append(sentence[:1].upper() + sentence[1:] + rng.choice("...?!"[: 3 if at else 4]))
        at += step
    return " ".join(out)


PROVIDERS = [("Ollama", "llama3.1"), ("OpenAI", "gpt-4o"), ("Anthropic", "claude-sonnet"),
             ("Gemini", "gemini-2.0-flash"), ("LM Studio", "qwen2.5-7b")]  # fmt: skip


def conversations(corpus: Corpus, messages: int) -> Iterator[tuple[Row, list[Row]]]:
    """Rows of conversations and their messages, as the store writes them."""
    start = time.mktime((2025, 1, 1, 9, 0, 0, 0, 0, -1))
    count = messages // MESSAGES_PER_CONVERSATION
    for number in range(count):
        language = corpus.language()
        provider, model = corpus.rng.choice(PROVIDERS)
        created = start + number * (2 * 365 * 86400 / count)
        conversation_id = corpus.ident()
        parent: str | None = None
        kept: list[Row] = []
        for turn in range(MESSAGES_PER_CONVERSATION):
            role = "user" if turn % 2 == 0 else "assistant"
            text = corpus.message(language, role == "user")
            message_id = corpus.ident()
            kept.append(
                (message_id, conversation_id, parent, role, text, "", "", "complete",
                 provider if role == "assistant" else None,
                 model if role == "assistant" else None, "stop", "{}", None, "",
                 created + 60 * turn, None, None, None)
            )  # fmt: skip
            parent = message_id
        title = " ".join(kept[0][4].split())[:60]
        yield (
            (conversation_id, title, 0, created, created + 60 * MESSAGES_PER_CONVERSATION, 0,
             "", provider, model, "{}", parent),
            kept,
        )  # fmt: skip


# -- building, once


def _key(messages: int) -> str:
    """The kept store's name: a change to the schema's modules (its migrations, the functions
    they index with) or to the word lists builds a new one (and so does a change of
    ``CORPUS_VERSION``, to bump when the way text is made changes)."""
    text = "".join(inspect.getsource(m) for m in (functions, migrations, schema))
    text += str(CORPUS_VERSION)
    text += repr((ENGLISH, TERMS, RUSSIAN, RUSSIAN_TERMS, CHINESE, CHINESE_WORDS, KANJI))
    text += repr((HIRAGANA, KATAKANA_WORDS, CODE, PROVIDERS, MESSAGES_PER_CONVERSATION))
    text += repr((ENGLISH_SOUNDS, RUSSIAN_SOUNDS))
    return f"search-{messages}-{hashlib.sha256(text.encode()).hexdigest()[:12]}.db"


def store(messages: int) -> tuple[Path, float | None]:
    """The store of ``messages`` messages (built now, or kept from an earlier run), and how
    long building it took (None when it was kept)."""
    path = CACHE / _key(messages)
    if path.exists():
        return path, None
    CACHE.mkdir(parents=True, exist_ok=True)
    building = path.with_name(path.name + ".building")
    for leftover in (building, *(building.with_name(building.name + s) for s in ("-wal", "-shm"))):
        leftover.unlink(missing_ok=True)
    started = time.perf_counter()
    db = connect(building)
    try:
        schema.migrate(db, building)
        db.execute("PRAGMA journal_mode = MEMORY")  # building only: speed, not safety
        db.execute("PRAGMA synchronous = OFF")
        db.execute("PRAGMA cache_size = -262144")
        _fill(db, messages)
        db.execute("PRAGMA journal_mode = WAL")
    finally:
        db.close()
    building.rename(path)
    return path, time.perf_counter() - started


def _insert(table: str, columns: str) -> str:
    marks = ", ".join("?" * len(columns.split(",")))
    return f"INSERT INTO {table} ({columns}) VALUES ({marks})"


def _fill(db: sqlite3.Connection, messages: int) -> None:
    conversation_sql = _insert("conversations", rows.CONVERSATION_COLUMNS)
    message_sql = _insert("messages", rows.MESSAGE_COLUMNS)
    batch: list[tuple[Row, list[Row]]] = []

    def flush() -> None:
        db.execute("BEGIN")
        db.executemany(conversation_sql, [c for c, _ in batch])
        db.executemany(message_sql, [m for _, ms in batch for m in ms])
        db.execute("COMMIT")
        batch.clear()

    for done, item in enumerate(conversations(Corpus(), messages), start=1):
        batch.append(item)
        if len(batch) == 500:
            flush()
        if done % 10_000 == 0:
            print(f"    built {done * MESSAGES_PER_CONVERSATION:,} messages", flush=True)
    if batch:
        flush()


# -- the queries


def _queries(db: sqlite3.Connection, messages: int) -> dict[str, list[str]]:
    """Queries of each kind, taken from the store itself (so that they find something)."""
    rng = random.Random(messages)
    sample = [r[0] for r in db.execute(
        "SELECT content FROM messages WHERE num % 97 = 0 LIMIT 2000"
    )]  # fmt: skip
    common = set(ENGLISH[:60]) | set(RUSSIAN[:40])
    phrases = []
    for text in sample:
        words = [w.strip(".?!,") for w in text.split()]
        pairs = [
            f'"{a} {b}"'
            for a, b in itertools.pairwise(words)
            if a.isalpha() and b.isalpha() and a.lower() not in common and b.lower() not in common
        ]
        if pairs:
            phrases.append(rng.choice(pairs))
    cjk_texts = [t for t in sample if schema_cjk(t)]
    runs = [run for t in cjk_texts for run in _cjk_runs(t) if len(run) >= 4]
    long_cjk = [run[(at := rng.randrange(len(run) - 3)) : at + rng.choice((3, 4))] for run in
                rng.sample(runs, QUERIES)]  # fmt: skip
    short_cjk = [run[(at := rng.randrange(len(run) - 1)) : at + 2] for run in
                 rng.sample(runs, QUERIES)]  # fmt: skip
    return {
        "word": rng.sample(TERMS, QUERIES - 5) + rng.sample(RUSSIAN_TERMS, 5),
        "common word": ENGLISH[:5] + RUSSIAN[:5],
        "phrase": rng.sample(phrases, QUERIES),
        "CJK, 3-4 characters": long_cjk,
        "CJK, 2 characters": short_cjk,
    }


def schema_cjk(text: str) -> bool:
    return any("\u3040" <= ch <= "\u30ff" or "\u4e00" <= ch <= "\u9fff" for ch in text)


def _cjk_runs(text: str) -> list[str]:
    runs, run = [], ""
    for ch in text:
        if schema_cjk(ch):
            run += ch
        else:
            if run:
                runs.append(run)
            run = ""
    return [*runs, run] if run else runs


def _like(db: sqlite3.Connection, text: str) -> list[Row]:
    """PyGPT's search: conversations whose name or any message holds the text."""
    pattern = f"%{text.strip(chr(34))}%"
    return db.execute(
        "SELECT c.id, c.title FROM conversations AS c LEFT JOIN messages AS m"
        " ON m.conversation_id = c.id WHERE c.deleted IS NULL AND (c.title LIKE ?1"
        " OR m.content LIKE ?1) ORDER BY c.updated DESC LIMIT 50",
        (pattern,),
    ).fetchall()


def _timed(call: Callable[[], object], runs: int) -> list[tuple[float, float]]:
    """Milliseconds of each run, wall clock and this process's CPU (which other programs
    using the machine's cores do not lengthen)."""
    call()  # warm the cache
    times = []
    for _ in range(runs):
        wall, cpu = time.perf_counter(), time.process_time()
        call()
        times.append(((time.perf_counter() - wall) * 1000, (time.process_time() - cpu) * 1000))
    return times


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, math.ceil(0.95 * len(ordered)) - 1)]


def _share(db: sqlite3.Connection, words: list[str], messages: int) -> float:
    """The median share of messages that hold one of ``words``."""
    counts = [
        db.execute(
            "SELECT count(*) FROM message_fts WHERE message_fts MATCH ?", (f'"{w}"',)
        ).fetchone()[0]
        for w in words
    ]
    return median(counts) / messages


def run() -> list[Figure]:
    figures = []
    for messages in SIZES:
        figures += _measure(messages)
    return figures


def _compared(db: sqlite3.Connection, kind: str, queries: list[str], messages: int) -> list[Figure]:
    """Median and p95 of Parley's search and of the scan, for one kind of query."""
    runs = [t for q in queries for t in _timed(functools.partial(search, db, q), RUNS)]
    scans = [t for q in queries[:PEER_QUERIES] for t in _timed(functools.partial(_like, db, q), 1)]
    ours, theirs = [wall for wall, _ in runs], [wall for wall, _ in scans]
    cpu = [cpu for _, cpu in runs]
    share = ""
    if kind in ("word", "common word"):
        share = f"; the words are in {_share(db, queries, messages):.1%} of messages (median)"
    target = TARGETS_MS.get(messages)
    goal = f"; target median < {target:g} ms" if target and kind != "common word" else ""
    note = f"lower is faster; CPU {median(cpu):.3g} ms; peer: LIKE '%text%' (PyGPT){share}{goal}"
    mid, peer_mid, high, peer_high = median(ours), median(theirs), p95(ours), p95(theirs)
    print(f"    {kind}: {queries[:4]}", flush=True)
    return [
        Figure(f"{kind}, {messages:,}: median", mid, "ms", peer_mid, mid / peer_mid, note),
        Figure(
            f"{kind}, {messages:,}: p95",
            high,
            "ms",
            peer_high,
            high / peer_high,
            f"lower is faster; CPU {p95(cpu):.3g} ms",
        ),
    ]


def _measure(messages: int) -> list[Figure]:
    path, took = store(messages)
    db = connect(path)
    try:
        text_bytes = db.execute(
            "SELECT sum(length(CAST(content AS BLOB))) FROM messages"
        ).fetchone()[0]
        size = f"{messages:,} messages, {text_bytes / 1e6:.0f} MB of text"
        figures = []
        if took is not None:
            figures.append(Figure(f"build {size}", took, "s", note="once; kept for later runs"))
        file_mb = sum(p.stat().st_size for p in path.parent.glob(path.name + "*")) / 1e6
        figures.append(Figure(f"database file, {size}", file_mb, "MB", note="indexes included"))
        for kind, queries in _queries(db, messages).items():
            figures += _compared(db, kind, queries, messages)
        return figures
    finally:
        db.close()
