"""ChatGpt's fingerprint config and proof-of-work solver, against the spec's vectors."""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import re
import threading
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from providers.errors import MalformedResponseError, ProviderError
from providers.seeds.chatgpt_pow import (
    ATTEMPT_LIMIT,
    ProofOfWorkError,
    answer_token,
    browser_time,
    build_config,
    find_proof,
    requirements_token,
    solve,
)

VECTORS_FILE = Path(__file__).resolve().parents[3] / "shared/specs/chatgpt_pow_vectors.json"
SPEC_VECTORS: dict[str, Any] = json.loads(VECTORS_FILE.read_text()) if VECTORS_FILE.exists() else {}
# The same three vectors, kept here so the test runs where ../shared is absent.
CONFIG: list[Any] = [
    4016,
    "Sun Nov 23 2026 05:00:00 GMT+0200 (Central European Summer Time)",
    None,
    0.5,
    "Mozilla/5.0 (X11; Linux x86_64) Test/1.0",
    None,
    "prod-test",
    "en-US",
    "en-US,es-US,en,es",
    0,
    "webdriver\u2212false",
    "location",
    "onkeyup",
    123.456,
    "00000000-0000-4000-8000-000000000000",
    "",
    8,
    1795000000,
]
VECTORS = [
    ("0.42", "0fffff", 3, "005b37af686eff8c49593a5341c3e600"),
    ("0.1234", "00ffff", 542, "00e2117ccfe32a4673cba5974cece296"),
    ("seed-x", "000fff", 1083, "0000c1ad5dfd430033bf0c131acd7ee5"),
]


def reference_answer(config: list[Any], nonce: int) -> str:
    """The spec's definition, written out plainly: the whole list re-serialised."""
    filled = list(config)
    filled[3], filled[9] = nonce, nonce >> 1
    text = json.dumps(filled, separators=(",", ":"), ensure_ascii=False)
    return base64.b64encode(text.encode()).decode()


def test_local_copy_matches_the_spec_file() -> None:
    if not SPEC_VECTORS:
        pytest.skip("../shared/specs is not on this machine")
    assert SPEC_VECTORS["config"] == CONFIG
    assert [
        (v["seed"], v["difficulty"], v["first_nonce_that_passes"], v["sha3_512_hex"][:32])
        for v in SPEC_VECTORS["vectors"]
    ] == VECTORS


@pytest.mark.parametrize(("seed", "difficulty", "nonce", "digest_start"), VECTORS)
def test_vectors(seed: str, difficulty: str, nonce: int, digest_start: str) -> None:
    proof = find_proof(seed, difficulty, CONFIG)
    assert proof.nonce == nonce
    assert proof.answer == reference_answer(CONFIG, nonce)
    digest = hashlib.sha3_512((seed + proof.answer).encode()).hexdigest()
    assert digest.startswith(digest_start)
    assert answer_token(seed, difficulty, CONFIG) == "gAAAAAB" + proof.answer


def test_vectors_proof_tokens_from_the_spec_file() -> None:
    if not SPEC_VECTORS:
        pytest.skip("../shared/specs is not on this machine")
    for vector in SPEC_VECTORS["vectors"]:
        token = answer_token(vector["seed"], vector["difficulty"], SPEC_VECTORS["config"])
        assert token == vector["proof_token"]


def test_answer_is_compact_json_with_non_ascii_kept() -> None:
    text = base64.b64decode(solve("0.42", "0fffff", CONFIG)).decode()
    assert ", " not in text
    assert ": " not in text
    assert "webdriver\u2212false" in text
    assert "\\u2212" not in text
    decoded = json.loads(text)
    assert decoded[3] == 3
    assert decoded[9] == 1
    assert decoded[:3] == CONFIG[:3]
    assert decoded[10:] == CONFIG[10:]


def test_digest_prefix_is_compared_as_bytes() -> None:
    # The first len(difficulty) BYTES of the digest against the target bytes, as the spec says.
    for nonce in range(400):
        answer = reference_answer(CONFIG, nonce)
        digest = hashlib.sha3_512(("s" + answer).encode()).digest()
        expected = digest[:6] <= bytes.fromhex("0fffff")
        if expected:
            assert find_proof("s", "0fffff", CONFIG).nonce == nonce
            return
    raise AssertionError("no nonce under 400 passed")


def test_config_is_not_changed_by_solving() -> None:
    config = list(CONFIG)
    solve("0.1234", "00ffff", config)
    assert config == CONFIG


def test_unsolved_within_the_limit_is_a_clear_error() -> None:
    assert ATTEMPT_LIMIT == 500_000
    with pytest.raises(ProofOfWorkError) as caught:
        solve("0.1234", "00ffff", CONFIG, limit=542)  # nonces 0..541: the answer is 542
    assert isinstance(caught.value, ProviderError)
    assert "Could not solve the site's proof of work (difficulty 00ffff) in 542 attempts" in str(
        caught.value
    )
    assert solve("0.1234", "00ffff", CONFIG, limit=543) == reference_answer(CONFIG, 542)


@pytest.mark.parametrize("difficulty", ["", "0ffg", "abc"])
def test_invalid_difficulty_is_a_clear_error(difficulty: str) -> None:
    with pytest.raises(MalformedResponseError, match="invalid difficulty"):
        solve("x", difficulty, CONFIG)


def test_config_has_the_spec_shape() -> None:
    config = build_config("Mozilla/5.0 Test", 12.25)
    assert len(config) == 18
    assert config[0] in {c + s for c in (16, 24, 32) for s in (3000, 4000, 6000)}
    assert re.fullmatch(
        r"(Mon|Tue|Wed|Thu|Fri|Sat|Sun) [A-Z][a-z]{2} \d\d \d{4} \d\d:\d\d:\d\d "
        r"GMT\+0200 \(Central European Summer Time\)",
        config[1],
    )
    assert config[2] is None
    assert config[5] is None
    assert config[15] == ""
    assert config[4] == "Mozilla/5.0 Test"
    assert isinstance(config[6], str)
    assert config[6]
    assert config[7:9] == ["en-US", "en-US,es-US,en,es"]
    assert "\u2212" in config[10]
    assert config[11] == "location"
    assert config[12].startswith("on")
    assert config[13] == 12.25
    assert isinstance(config[13], float)
    assert uuid.UUID(config[14]).version == 4
    assert config[16] == 8
    assert isinstance(config[17], int)
    assert abs(config[17] - datetime.now().timestamp()) < 5


def test_browser_time_is_english_in_gmt_plus_two() -> None:
    moment = datetime(2026, 11, 23, 3, 0, 0, tzinfo=UTC)
    assert (
        browser_time(moment) == "Mon Nov 23 2026 05:00:00 GMT+0200 (Central European Summer Time)"
    )


def test_requirements_token_solves_the_easy_difficulty() -> None:
    token = requirements_token(CONFIG)
    assert token.startswith("gAAAAAC")
    decoded = json.loads(base64.b64decode(token[7:]))
    assert len(decoded) == 18
    assert decoded[9] == decoded[3] >> 1


def first_digest(seed: str, config: list[Any], nonce: int = 0) -> bytes:
    return hashlib.sha3_512((seed + reference_answer(config, nonce)).encode()).digest()


def test_nonce_zero_is_tried_first() -> None:
    assert find_proof("any", "ff", CONFIG).nonce == 0  # every digest starts at or below ff


@pytest.mark.parametrize("cores", [4016, 40160, 401600])
def test_answers_match_the_spec_for_every_config_length(cores: int) -> None:
    """The solver encodes the config's first bytes once; the answer is still the spec's
    base64 of the whole list, whatever that head's length modulo 3."""
    config = [cores, *CONFIG[1:]]
    for difficulty in ("1f", "0fff"):
        proof = find_proof("0.77", difficulty, config)
        assert proof.answer == reference_answer(config, proof.nonce)
        digest = first_digest("0.77", config, proof.nonce)
        assert digest[: len(difficulty)] <= bytes.fromhex(difficulty)


def test_a_config_of_the_wrong_length_is_refused() -> None:
    with pytest.raises(ValueError, match=r"^The config must have 18 elements, not 17\.$"):
        find_proof("s", "ff", CONFIG[:17])


def test_a_stopped_proof_says_so_without_a_hint() -> None:
    stop = threading.Event()
    stop.set()
    with pytest.raises(ProofOfWorkError) as caught:
        find_proof("s", "00", CONFIG, stop=stop)
    assert caught.value.hint == ""
    assert str(caught.value) == "The proof of work was stopped before it was solved."


def test_the_requirements_token_heeds_stop() -> None:
    stop = threading.Event()
    stop.set()
    with pytest.raises(ProofOfWorkError, match="stopped before it was solved"):
        requirements_token(CONFIG, stop=stop)


def test_the_requirements_token_uses_a_fresh_random_seed() -> None:
    """Each token proves work for its own random seed, so the nonces found differ."""
    tokens = {requirements_token(CONFIG) for _ in range(12)}
    assert len(tokens) > 1


def test_a_solved_proof_is_logged_at_debug(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.DEBUG, logger="providers.seeds.chatgpt_pow"):
        proof = find_proof("any", "ff", CONFIG)
    assert [r.getMessage() for r in caplog.records] == [
        f"proof of work ff solved with nonce {proof.nonce}"
    ]
