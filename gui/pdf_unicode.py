"""Chinese and Japanese text that can be copied and searched in a PDF that Qt wrote.

WORKAROUND for Qt's PDF writer (``QFontSubset::getReverseMap``, the flaw that
https://github.com/wkhtmltopdf/wkhtmltopdf/issues/4414 describes): the map from glyphs back
to text gives each glyph the lowest code point that the font draws with it. CJK fonts draw
an ideograph and its radical with one glyph (Noto Sans CJK: 食 and ⻝, 言 and ⾔, 马 and ⻢),
so a PDF reader would copy, search and read aloud radicals. The map is written uncompressed,
and each code is four hex digits: a radical there becomes its ideograph in place, and no
byte of the file moves.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from PySide6.QtGui import QFont, QFontDatabase, QRawFont

RADICALS = range(0x2E80, 0x2FE0)
"""CJK Radicals Supplement and Kangxi Radicals: lower than every ideograph they resemble."""
IDEOGRAPHS = (range(0x4E00, 0xA000), range(0x3400, 0x4DC0), range(0xF900, 0xFB00))
"""Where to look for the ideograph that shares a radical's glyph, most common first."""
CJK_SYSTEMS = (
    QFontDatabase.WritingSystem.SimplifiedChinese,
    QFontDatabase.WritingSystem.TraditionalChinese,
    QFontDatabase.WritingSystem.Japanese,
    QFontDatabase.WritingSystem.Korean,
)
_HAN = re.compile("[\u2e80-\u2fdf\u3400-\u9fff\uf900-\ufaff]")
_TO_UNICODE = re.compile(rb"/CIDInit /ProcSet findresource begin\n.*?endcmap\n", re.S)
_ENTRY = re.compile(rb"^<([0-9A-Fa-f]{4})> <([0-9A-Fa-f]{4})> (.*)$", re.M)
_CODE = re.compile(rb"<([0-9A-Fa-f]{4})>")


def needs_fixing(text: str) -> bool:
    return _HAN.search(text) is not None


def radical_ideographs(preferred: Iterable[str], text: str) -> dict[int, int]:
    """For each radical that a CJK font draws with an ideograph's glyph, that ideograph, as
    the first of the ``preferred`` fonts that has any draws it (Qt draws all Han text with
    that one), or else any installed CJK font; radicals ``text`` itself holds are left out."""
    found = _first_shared(preferred) or _first_shared(dict.fromkeys(_cjk_families()))
    return {r: i for r, i in found.items() if chr(r) not in text}


def _first_shared(families: Iterable[str]) -> dict[int, int]:
    for family in families:
        if shared := _shared_glyphs(family):
            return shared
    return {}


def _cjk_families() -> list[str]:
    return [family for system in CJK_SYSTEMS for family in QFontDatabase.families(system)]


def _shared_glyphs(family: str) -> dict[int, int]:
    raw = QRawFont.fromFont(QFont(family))
    if not raw.isValid():
        return {}
    by_glyph: dict[int, list[int]] = {}
    for radical, glyph in zip(RADICALS, _glyphs(raw, RADICALS), strict=True):
        if glyph:
            by_glyph.setdefault(glyph, []).append(radical)
    shared: dict[int, int] = {}
    for block in IDEOGRAPHS:
        for ideograph, glyph in zip(block, _glyphs(raw, block), strict=True):
            for radical in by_glyph.pop(glyph, []):
                shared[radical] = ideograph
    return shared


def _glyphs(raw: QRawFont, block: range) -> list[int]:
    return list(raw.glyphIndexesForString("".join(map(chr, block))))


def with_ideographs(pdf: bytes, ideographs: dict[int, int]) -> bytes:
    """``pdf`` with each radical of its glyph-to-text maps replaced by its ideograph."""
    if not ideographs:
        return pdf

    def code(match: re.Match[bytes]) -> bytes:
        value = int(match[1], 16)
        return b"<%04X>" % ideographs.get(value, value)

    def entry(match: re.Match[bytes]) -> bytes:
        if not match[3].startswith(b"[") and match[1] != match[2]:
            return match[0]  # a run of consecutive code points: no radical run fits in place
        return b"<%s> <%s> %s" % (match[1], match[2], _CODE.sub(code, match[3]))

    fixed = _TO_UNICODE.sub(lambda m: _ENTRY.sub(entry, m[0]), pdf)
    return fixed if len(fixed) == len(pdf) else pdf  # nothing may move; if it would, keep it
