"""The Python examples of README.md and docs/*.md run.

Every fenced ```` ```python ```` block of a document is executed, in the order of the
document and in one namespace per document (later examples build on earlier ones, as a
reader running them in one session would), from the repository's root (examples name
files such as ``scenarios/dafang_yuchong.yaml``). A failure names the document, the block's
number and its first line. Two comments, on the line just before a block's fence, change
what happens to it:

``<!-- no-run: WHY -->``
    the block is not run (a fragment standing for the reader's own data, a command that
    would write into the repository, ...); the test lists these blocks with their reason.
``<!-- slow: WHY -->``
    the block takes more than a few seconds (an estimation, a full run): the document's
    test is marked slow (``make test-quick`` leaves it out, ``make test`` runs it).

Only the code is checked, not the results the examples mention in comments: numbers in
the documents are checked by tests/test_docs.py.
"""

from __future__ import annotations

import re
import traceback
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
MARKER = re.compile(r"^<!--\s*(no-run|slow):\s*(?P<why>\S.*?)\s*-->$")


@dataclass(frozen=True)
class Block:
    """A ```python block: its number in the document (from 1), the line of its fence,
    its code and its marker (``""``, ``"no-run"`` or ``"slow"``) with the reason."""

    number: int
    line: int
    code: str
    marker: str = ""
    why: str = ""


def documents() -> list[Path]:
    """README.md and docs/*.md (the documents a reader runs examples from)."""
    return [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


def python_blocks(text: str) -> list[Block]:
    """The ```python blocks of a Markdown text, with the marker on the line before each.
    Raises ValueError for a block left open or a marker without a reason."""
    lines = text.splitlines()
    blocks, k = [], 0
    while k < len(lines):
        if lines[k].strip() != "```python":
            k += 1
            continue
        end = next((j for j in range(k + 1, len(lines)) if lines[j].strip() == "```"), None)
        if end is None:
            raise ValueError(f"line {k + 1}: a ```python block without its closing ```")
        before = next((lines[j].strip() for j in range(k - 1, -1, -1) if lines[j].strip()), "")
        marker, why = "", ""
        if before.startswith("<!--") and re.match(r"^<!--\s*(no-run|slow)\b", before):
            found = MARKER.match(before)
            if found is None:
                raise ValueError(f"line {k}: {before!r} — a marker needs its reason: "
                                 f"<!-- no-run: WHY --> or <!-- slow: WHY -->")
            marker, why = found.group(1), found.group("why")
        blocks.append(Block(len(blocks) + 1, k + 1, "\n".join(lines[k + 1:end]), marker, why))
        k = end + 1
    return blocks


def _params() -> list:
    out = []
    for path in documents():
        blocks = python_blocks(path.read_text(encoding="utf-8"))
        if blocks:
            slow = [b for b in blocks if b.marker == "slow"]
            out.append(pytest.param(path, id=path.name,
                                    marks=[pytest.mark.slow] if slow else []))
    return out


def run_blocks(path: Path, blocks: list[Block]) -> list[str]:
    """Run the blocks not marked no-run in one namespace; the failures, each naming the
    document, the block and the line, with the traceback inside the block."""
    namespace: dict = {"__name__": f"example_{path.stem}"}
    failures = []
    for b in blocks:
        if b.marker == "no-run":
            continue
        where = f"{path.relative_to(ROOT)}, python block {b.number} (line {b.line})"
        try:
            exec(compile(b.code, where, "exec"), namespace)
        except Exception as e:
            inside = [f for f in traceback.extract_tb(e.__traceback__) if f.filename == where]
            k = inside[-1].lineno if inside else None
            at = f", block line {k}: {b.code.splitlines()[k - 1].strip()}" if k else ""
            failures.append(f"{where}{at}: {type(e).__name__}: {e}")
    return failures


def test_the_documents_have_examples():
    assert _params(), "no ```python block in README.md or docs/*.md: the parser broke?"


def test_markers_are_read():
    text = ("```python\na = 1\n```\n\n<!-- no-run: stands for your data -->\n```python\n"
            "b = data\n```\n<!-- slow: a long fit -->\n\n```python\nc = a + 1\n```\n")
    blocks = python_blocks(text)
    assert [(b.number, b.line, b.marker, b.why) for b in blocks] == [
        (1, 1, "", ""), (2, 6, "no-run", "stands for your data"), (3, 11, "slow", "a long fit")]
    with pytest.raises(ValueError, match="needs its reason"):
        python_blocks("<!-- no-run -->\n```python\nx\n```\n")
    with pytest.raises(ValueError, match="without its closing"):
        python_blocks("```python\nx = 1\n")


def test_a_failing_block_is_named():
    path = ROOT / "docs" / "example.md"  # not written: only its name is used
    failures = run_blocks(path, python_blocks("```python\na = 1\n```\n```python\nb = a\n"
                                              "c = undefined_name\n```\n"))
    assert failures == ["docs/example.md, python block 2 (line 4), block line 2: "
                        "c = undefined_name: NameError: name 'undefined_name' is not defined"]


@pytest.mark.parametrize("path", _params())
def test_document_examples_run(path, monkeypatch, tmp_path):
    import matplotlib

    matplotlib.use("Agg")  # an example's figure is drawn, never shown
    # run where the repository's folders are (scenarios/, experiments/, ...), but write
    # what the examples write (out/...) into a fresh folder, not into the repository
    for entry in ROOT.iterdir():
        if entry.name not in {"out", ".git", ".venv", "site", "build"}:
            (tmp_path / entry.name).symlink_to(entry)
    monkeypatch.chdir(tmp_path)
    blocks = python_blocks(path.read_text(encoding="utf-8"))
    failures = run_blocks(path, blocks)
    skipped = [f"block {b.number} (line {b.line}): {b.why}" for b in blocks
               if b.marker == "no-run"]
    assert not failures, "\n".join(failures + ["not run: " + s for s in skipped])
