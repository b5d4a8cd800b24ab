"""The project's documents cite only what the repository holds: no file names a document outside
it, every relative link of docs/ and the README leads to a file (and heading) that exists, and a
citation "docs/<note>.md, <Section>" names a note and a section that exist (docs/README.md)."""

from __future__ import annotations

import re
import shutil
import subprocess
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# Written in two parts so that this file does not match them itself.
OUTSIDE_MARKERS = ("SPEC" + " §", ".." + "/shared/", "SPEC" + ".md")
_FENCE = re.compile(r"^(```|~~~).*?^\1[^\n]*$", re.MULTILINE | re.DOTALL)
_CODE_SPAN = re.compile(r"(`+)(?:(?!\1).)+?\1", re.DOTALL)
_INLINE_LINK = re.compile(r"!?\[(?:[^\]\\]|\\.)*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
_REFERENCE_LINK = re.compile(r"^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)", re.MULTILINE)
_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")
_HEADING = re.compile(r"^#{1,6}\s+(.+?)\s*#*\s*$", re.MULTILINE)
# A citation in a comment or a text: "docs/contracts.md, Pagination" (across a line break too).
_CITATION = re.compile(r"(?<![\w/.])docs/([\w-]+\.md)(?:,\s+([A-Z][^,.;:)\"'\n]*))?")
_LINE_BREAK = re.compile(r"[ \t]*\n[ \t]*(?:#|--|//|\*)?[ \t]*")


# What the build, the tests and the tools write, which git ignores (.gitignore).
_UNTRACKED = frozenset(
    {
        ".git",
        ".venv",
        "var",
        "node_modules",
        "__pycache__",
        ".ruff_cache",
        ".mypy_cache",
        ".pytest_cache",
        ".hypothesis",
        "build",
        "dist",
    }
)


@cache
def tracked_files() -> tuple[Path, ...]:
    """Every file git tracks (the index, so a file just added counts), .git itself excluded;
    outside a git checkout (an unpacked source archive), every file but the ones the project
    builds or caches."""
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        return tuple(
            sorted(
                path
                for path in ROOT.rglob("*")
                if path.is_file()
                and not path.is_symlink()
                and not _UNTRACKED.intersection(path.relative_to(ROOT).parts)
                and not any(part.endswith(".egg-info") for part in path.parts)
            )
        )
    listing = subprocess.run(
        ["git", "ls-files", "-z", "--cached"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout.decode("utf-8")
    paths = (ROOT / name for name in listing.split("\0") if name)
    return tuple(sorted(path for path in paths if path.is_file() and not path.is_symlink()))


def text_of(path: Path) -> str:
    return path.read_bytes().decode("utf-8", errors="replace")


def documents() -> list[Path]:
    return [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


def slug(heading: str) -> str:
    """The anchor GitHub gives a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = _CODE_SPAN.sub(lambda m: m.group(0).strip("`"), heading).strip().lower()
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


def headings(path: Path) -> list[str]:
    body = _FENCE.sub("", text_of(path))
    return [_CODE_SPAN.sub(lambda m: m.group(0).strip("`"), h) for h in _HEADING.findall(body)]


def anchors(path: Path) -> set[str]:
    found: set[str] = set()
    counts: dict[str, int] = {}
    for heading in headings(path):
        base = slug(heading)
        n = counts.get(base, 0)
        counts[base] = n + 1
        found.add(base if n == 0 else f"{base}-{n}")
    return found


def relative_links(path: Path) -> list[str]:
    body = _CODE_SPAN.sub("", _FENCE.sub("", text_of(path)))
    targets = _INLINE_LINK.findall(body) + _REFERENCE_LINK.findall(body)
    return [t for t in targets if not _SCHEME.match(t)]


def test_no_file_cites_a_document_outside_the_repository() -> None:
    found = [
        f"{path.relative_to(ROOT)}: {marker!r}"
        for path in tracked_files()
        for marker in OUTSIDE_MARKERS
        if marker.encode("utf-8") in path.read_bytes()
    ]
    assert not found, "cite the regulation (Đ…) or docs/ instead:\n" + "\n".join(found)


def test_the_design_notes_exist_and_the_readme_points_to_them() -> None:
    notes = {p.name for p in (ROOT / "docs").glob("*.md")}
    expected = {"README.md", "architecture.md", "contracts.md", "adding-a-process.md"}
    assert expected | {"adding-an-event-type.md", "counting.md"} <= notes
    readme = text_of(ROOT / "README.md")
    assert "docs/counting.md" in readme
    assert "docs/README.md" in readme


@pytest.mark.parametrize("path", documents(), ids=lambda p: str(p.relative_to(ROOT)))
def test_every_relative_link_leads_to_a_file_and_heading_that_exist(path: Path) -> None:
    broken = []
    for target in relative_links(path):
        file_part, _, anchor = target.partition("#")
        destination = (path.parent / file_part).resolve() if file_part else path
        if not destination.exists() or ROOT not in (destination, *destination.parents):
            broken.append(f"{target}: no such file in the repository")
        elif anchor and destination.suffix == ".md" and anchor not in anchors(destination):
            broken.append(f"{target}: no heading #{anchor} in {destination.relative_to(ROOT)}")
    assert not broken, f"{path.relative_to(ROOT)}:\n" + "\n".join(broken)


def test_every_citation_of_a_note_names_a_note_and_a_section_that_exist() -> None:
    notes = ROOT / "docs"
    wrong = []
    for path in tracked_files():
        if path.suffix not in {".py", ".md", ".yaml", ".yml", ".sql", ".bpmn", ".j2", ".html"}:
            continue
        text = _LINE_BREAK.sub(" ", text_of(path))
        for note, section in _CITATION.findall(text):
            where = f"{path.relative_to(ROOT)}: docs/{note}"
            if not (notes / note).is_file():
                wrong.append(f"{where}: no such note")
            elif section and section.strip() not in headings(notes / note):
                wrong.append(f"{where}: no section {section.strip()!r}")
    assert not wrong, "\n".join(wrong)


def test_the_link_check_finds_a_broken_link_and_a_missing_heading(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text(
        "# Title\n\n## Roles and scoping\n\n[ok](#roles-and-scoping) [gone](missing.md) "
        "[web](https://example.org) `[code](nowhere.md)` [self](page.md#title)\n",
        encoding="utf-8",
    )
    assert relative_links(page) == ["#roles-and-scoping", "missing.md", "page.md#title"]
    assert anchors(page) == {"title", "roles-and-scoping"}
    assert slug("3. The kind") == "3-the-kind"
    assert slug("Events for agencies") == "events-for-agencies"
