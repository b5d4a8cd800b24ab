"""`fold` (shared/text.py) folds every text as the character-by-character fold it replaces:
NFD, each combining mark dropped, đ and Đ to d, lower case, runs of white space to one space."""

import random
import unicodedata

from shared import text
from shared.text import fold

_EXTRA = str.maketrans({"đ": "d", "Đ": "d"})


def reference(value: str) -> str:
    decomposed = unicodedata.normalize("NFD", value.translate(_EXTRA))
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(stripped.lower().split())


def test_vietnamese_folds_to_plain_letters():
    assert fold("  Quyết định   Hoá\tđơn ĐIỆN tử ") == "quyet dinh hoa don dien tu"
    assert fold("quyet dinh hóa") == fold("Quyết định Hoá")
    assert fold("") == ""


def test_every_character_of_many_blocks_folds_as_the_reference():
    blocks = [
        range(0, 0x250),  # ASCII and Latin
        range(0x300, 0x370),  # combining diacritics (U+034F among them, not a mark)
        range(0x1AB0, 0x1B00),
        range(0x1DC0, 0x1F00),  # more marks, Latin Extended Additional (ạ ả ấ …)
        range(0x2000, 0x2100),  # spaces, punctuation, combining marks for symbols
        range(0x3000, 0x3040),
        range(0xFE00, 0xFE30),
        range(0x1F600, 0x1F650),
    ]
    for block in blocks:
        chars = "".join(chr(c) for c in block if not 0xD800 <= c <= 0xDFFF)
        assert fold(chars) == reference(chars)
        for ch in chars:
            assert fold(f"a{ch}b") == reference(f"a{ch}b"), hex(ord(ch))


def test_random_texts_fold_as_the_reference_and_the_table_stays_bounded(monkeypatch):
    monkeypatch.setattr(text, "_MARKS", text._Marks())
    monkeypatch.setattr(text, "_MARKS_KEPT", 50)
    pool = "aăâeêioôơuưyđĐAĂÂEÊIOÔƠUƯYĐ \t\n\u0300\u0301\u0303\u0309\u0323\u034f\u2028ß😀漢字"
    rng = random.Random(7)
    for _ in range(500):
        value = unicodedata.normalize(rng.choice(["NFC", "NFD"]), "".join(rng.choices(pool, k=30)))
        assert fold(value) == reference(value)
    assert len(text._MARKS) <= 50
