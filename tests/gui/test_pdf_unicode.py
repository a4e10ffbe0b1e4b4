"""Chinese and Japanese in a PDF read back as the ideographs written, not as radicals."""

from __future__ import annotations

from gui.pdf_unicode import needs_fixing, radical_ideographs, with_ideographs

CMAP = (
    b"stream\n/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n"
    b"1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n4 beginbfrange\n"
    b"<0000> <0000> <0000>\n<0001> <0003> [<2F94> <0041> <2EE2> ]\n<0004> <0004> <2F94>\n"
    b"<0010> <0019> <2F00>\nendbfrange\nendcmap\nCMapName currentdict\nendstream\n"
)


def test_noto_cjk_draws_common_ideographs_with_radical_glyphs() -> None:
    found = radical_ideographs(["Noto Sans CJK SC"], "")
    assert found[0x2F94] == ord("言")  # Kangxi radical "speech"
    assert found[0x2EE2] == ord("马")  # the simplified "horse" radical
    assert found[0x2EDD] == ord("食")


def test_a_radical_the_text_itself_holds_is_left_alone() -> None:
    assert 0x2EE2 not in radical_ideographs(["Noto Sans CJK SC"], "a ⻢ radical")


def test_radicals_become_ideographs_in_place() -> None:
    fixed = with_ideographs(b"%PDF-1.4\n" + CMAP, {0x2F94: 0x8A00, 0x2EE2: 0x9A6C, 0x2F00: 0x4E00})
    assert len(fixed) == len(CMAP) + 9
    assert b"<0001> <0003> [<8A00> <0041> <9A6C> ]\n" in fixed
    assert b"<0004> <0004> <8A00>\n" in fixed
    assert b"<0010> <0019> <2F00>\n" in fixed  # a run stays: its radicals are not in order
    assert b"<0000> <FFFF>\n" in fixed


def test_outside_a_text_map_nothing_changes() -> None:
    other = b"stream\n<0001> <0001> <2F94>\nendstream\n"
    assert with_ideographs(other, {0x2F94: 0x8A00}) == other
    assert with_ideographs(CMAP, {}) is CMAP


def test_only_han_text_needs_it() -> None:
    assert needs_fixing("中文")
    assert needs_fixing("⻢")
    assert not needs_fixing("English, Русский, ひらがな, 한국어")
