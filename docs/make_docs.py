"""Write the computed numbers into lbsim's documents (``make docs``).

A number a document reports as a result is a marker around its text,
``<!--=NAME.KEY|FORMAT-->0.37<!--/-->``: NAME is a computation of docs/computations.py (a
documented command at a stated seed), KEY one of its values and FORMAT a Python format
spec or ``p`` (a p-value: ``< 0.001``, never ``0.000``; default: ``,`` for integers,
``.2f`` for other numbers). This script runs the
computations, saves their values with the command and seed in docs/numbers.json, and
rewrites the text of every marker in README.md and docs/*.md from them; Markdown viewers
hide the markers. Numbers that are inputs (defaults with their sources, data facts, a
spec's settings) sit in ``<!-- inputs: WHY -->...<!-- /inputs -->``; commands in code.
tests/test_docs.py fails on any other number and on a marker whose text is stale.

    python docs/make_docs.py                  # everything (the staffing sweep: minutes)
    python docs/make_docs.py --only trial_dafang,county
    python docs/make_docs.py --skip expensive # all but the county staffing sweep
    python docs/make_docs.py --render         # only rewrite the documents from numbers.json
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from pathlib import Path

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
sys.path.insert(0, str(DOCS))

from computations import COMPUTATIONS  # noqa: E402

NUMBERS = DOCS / "numbers.json"
MARKER = re.compile(r"<!--=(?P<name>\w+)\.(?P<key>[^|>]+?)(?:\|(?P<fmt>[^>]*?))?-->"
                    r"(?P<text>.*?)<!--/-->", re.S)
INPUTS = re.compile(r"<!-- inputs:[^>]*-->.*?<!-- /inputs -->", re.S)
CODE = re.compile(r"```.*?```|`[^`\n]*`", re.S)
COMMENT = re.compile(r"<!--.*?-->", re.S)
LINK = re.compile(r"\]\([^)]*\)")
NUMBER = re.compile(r"(?<![\w.§/-])[-−+]?\d[\d,.]*%?(?![\w])")
YEAR = re.compile(r"(19|20)\d\d")
VERSION = re.compile(r"\d+\.\d+\.\d+")
CONVENTIONS = {"95%", "80%", "0.05"}
"""Conventions, not results: confidence level, power, significance level."""


def is_result_like(token: str) -> bool:
    """Whether a number in prose could be a result: it has decimals, is a percentage or
    is 100 or more, and is not a year, a version or a convention. Small whole numbers
    (wave 1, 12 weeks, 5 replications) are structure, and are not checked."""
    bare = token.lstrip("-−+")
    if ".." in bare:  # a range of levels, 1..5
        return False
    if bare in CONVENTIONS or YEAR.fullmatch(bare) or VERSION.fullmatch(bare):
        return False
    if bare.endswith("%") or re.search(r"\.\d", bare):
        return True
    return int(bare.replace(",", "").rstrip(".")) >= 100


def documents() -> list[Path]:
    """The documents whose numbers are checked: README.md and docs/*.md."""
    return [ROOT / "README.md", *sorted(DOCS.glob("*.md"))]


def load_numbers(path: Path = NUMBERS) -> dict:
    return json.loads(path.read_text()) if path.exists() else {}


def value_text(value, fmt: str | None) -> str:
    """A value as a document shows it."""
    if isinstance(value, str):
        return value
    if fmt == "p":  # a simulated p-value, never "0.000" (sim.saom.gof.p_text)
        from sim.saom.gof import p_text
        return p_text(value).removeprefix("p = ").removeprefix("p ")
    if fmt:
        return format(value, fmt)
    return f"{value:,}" if isinstance(value, int) else f"{value:.2f}"


def lookup(numbers: dict, name: str, key: str):
    """The value ``name.key``; KeyError naming what is missing."""
    if name not in numbers:
        raise KeyError(f"no computation {name!r} in docs/numbers.json (known: "
                       f"{', '.join(sorted(numbers))})")
    if key == "seed":
        return numbers[name]["seed"]
    values = numbers[name]["values"]
    if key not in values:
        raise KeyError(f"{name} has no value {key!r}")
    return values[key]


def render(text: str, numbers: dict) -> str:
    """``text`` with every marker's text rewritten from ``numbers``."""
    def one(m: re.Match) -> str:
        value = lookup(numbers, m["name"], m["key"])
        fmt = f"|{m['fmt']}" if m["fmt"] is not None else ""
        return (f"<!--={m['name']}.{m['key']}{fmt}-->{value_text(value, m['fmt'])}"
                f"<!--/-->")
    return MARKER.sub(one, text)


def hand_typed(text: str) -> list[tuple[int, str]]:
    """(line, number) of each result-like number (:func:`is_result_like`) in ``text``
    outside markers, input regions, code, comments and link targets."""
    def blank(m: re.Match) -> str:  # keep line numbers
        return re.sub(r"[^\n]", " ", m[0])
    for pattern in (MARKER, INPUTS, CODE, COMMENT, LINK):
        text = pattern.sub(blank, text)
    found = []
    for m in NUMBER.finditer(text):
        token = m[0].rstrip(".,")
        if not is_result_like(token):
            continue
        found.append((text.count("\n", 0, m.start()) + 1, token))
    return found


def compute(names: list[str]) -> dict:
    """Run the named computations; their entries for docs/numbers.json."""
    out = {}
    for name in names:
        c = COMPUTATIONS[name]
        start = time.perf_counter()
        values = c.run()
        print(f"{name}: {len(values)} values in {time.perf_counter() - start:.0f} s",
              flush=True)
        out[name] = {"command": c.command, "seed": c.seed, "cost": c.cost,
                     "values": values}
    return out


def write_documents(numbers: dict) -> list[Path]:
    """Rewrite every document from ``numbers``; the ones that changed."""
    changed = []
    for path in documents():
        old = path.read_text()
        new = render(old, numbers)
        if new != old:
            path.write_text(new)
            changed.append(path)
    return changed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", help="comma-separated computations to run")
    parser.add_argument("--skip", choices=["expensive", "slow"],
                        help="leave out computations of this cost (and dearer)")
    parser.add_argument("--render", action="store_true",
                        help="run nothing; rewrite the documents from numbers.json")
    args = parser.parse_args(argv)
    numbers = load_numbers()
    if not args.render:
        names = list(COMPUTATIONS)
        if args.only:
            names = [n.strip() for n in args.only.split(",") if n.strip()]
            unknown = [n for n in names if n not in COMPUTATIONS]
            if unknown:
                print(f"unknown computation {', '.join(unknown)}; known: "
                      f"{', '.join(COMPUTATIONS)}", file=sys.stderr)
                return 2
        if args.skip:
            dear = {"expensive": {"expensive"}, "slow": {"slow", "expensive"}}[args.skip]
            names = [n for n in names if COMPUTATIONS[n].cost not in dear]
        numbers.update(compute(names))
        numbers = {k: numbers[k] for k in COMPUTATIONS if k in numbers}
        NUMBERS.write_text(json.dumps(numbers, indent=1, sort_keys=False) + "\n")
    for path in write_documents(numbers):
        print(f"rewrote {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
