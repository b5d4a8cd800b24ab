"""Vietnamese text helpers: NFC for storage, a diacritic-free fold for search."""

from __future__ import annotations

import unicodedata

_EXTRA = {ord("đ"): ord("d"), ord("Đ"): ord("d")}


class _Marks(dict[int, int | None]):
    """`str.translate`'s table for `fold`: a combining mark (`unicodedata.combining`) to
    nothing, đ and Đ to d, any other character to itself; each character's entry made the
    first time it is met, so a text's characters are looked up in C, not a Python call each."""

    def __missing__(self, code: int) -> int | None:
        kept = _EXTRA.get(code, code)
        mapped = None if unicodedata.combining(chr(code)) else kept
        if len(self) < _MARKS_KEPT:
            self[code] = mapped
        return mapped


_MARKS_KEPT = 1 << 16  # entries kept at most (a text of every script's letters stays bounded)
_MARKS = _Marks()


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def fold(text: str) -> str:
    """ "Quyết định Hoá" and "quyet dinh hóa" fold to the same string ("quyet dinh hoa")."""
    # đ and Đ have no decomposition and no character decomposes to them: mapping them after
    # the NFD, with the marks, is mapping them before it.
    stripped = unicodedata.normalize("NFD", text).translate(_MARKS)
    return " ".join(stripped.lower().split())
