"""md5 checksums of lbsim's main outputs, made through the ``lbsim`` command line only, so
that a reorganisation of the package can show that its outputs stayed bitwise the same.

    python scripts/output_checksums.py --out before.json     # on the old tree
    python scripts/output_checksums.py --out after.json      # on the new one; diff the two

Every command runs in a fresh temporary folder at a fixed seed and small sizes (a few
minutes on 2 cores): ``lbsim run`` of scenarios/dafang_yuchong.yaml (``make run``); ``lbsim
compare`` with the posterior magnitudes and with ``--magnitudes defaults``; a small ``lbsim
sweep`` (experiments/smoke.yaml on 2 workers) and ``lbsim report`` on a small staffing sweep;
``lbsim estimate`` of s50 (default effects, ``--conditional``, co-evolution with
``--behaviour drink=alcohol``), of baerveldt as one model of several classes and
``--separately`` (siena08, printed table); ``lbsim gof`` of s50. Labels are
``ITEM/FILE`` (``ITEM/stdout`` for a printed table); one md5 per file.

Which ``lbsim``: the one the tree this script lives in declares (``[project.scripts]`` of its
pyproject.toml), run with ``sys.executable`` and this tree first on ``sys.path``, written as a
console script into the temporary folder, exactly as pip would write it. The ``lbsim`` next to
``sys.executable`` belongs to whatever tree was installed last in that environment (a shared
editable install may point at another layout), so it is used only with ``--installed``.

Normalised or excluded (they legitimately vary between two runs at the same seed):
- JSON files: values of keys naming wall-clock time (``seconds``, ``elapsed``, ``*_seconds``)
  and lbsim's version (``lbsim``, ``lbsim_version``, ``version``) become ``"<normalised>"``
  (``summary.json`` of a run, ``fit.json`` of an estimate: ``seconds`` is the time taken);
  the file is hashed as re-serialised JSON in its own key order (so a change of keys, values
  or their order shows; a change of indentation does not).
- Any text (JSON, CSV, HTML, printed output): the temporary folder's path becomes ``<tmp>``
  and this tree's path ``<repo>`` (absolute paths differ per run and per checkout: a sweep's
  spec.json holds its base scenario's path, report.html the sweep folder's), and ``lbsim
  X.Y.Z`` becomes ``lbsim <version>`` (report.html's footer).
- Printed output: durations such as ``31.9 s`` become ``<s>`` (``lbsim estimate`` prints its
  wall-clock time); the numba compilation notice goes to stderr, which is not hashed.
- Sweep batches: the rows of all ``batch-*.parquet`` files are hashed as one CSV, sorted by
  every column (batches finish in any order on several workers), without any column of
  wall-clock time (named as the JSON keys above; the current rows have none) and with the
  ``lbsim_version`` column's values normalised; the Parquet bytes themselves are not hashed
  (how rows are split into batches and the writer's metadata are not results).
- Parquet written by ``lbsim run`` is hashed as bytes and, as ``FILE#rows``, as CSV of its rows.
- SVG (report.html embeds one, base64): matplotlib writes the time of drawing
  (``<dc:date>``) and random element ids (``svg.hashsalt`` unset), so two runs at the same
  seed differ; the date is removed and the ids are numbered in order of appearance.
PNG and CSV files are hashed as written (CSV after the path replacement).
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import io
import json
import os
import re
import subprocess
import sys
import tempfile
import tomllib
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SEED = 7
TIME_KEYS = re.compile(r"^(seconds|elapsed.*|.*_seconds)$")
# a sweep's spec.json "digest" hashes the base scenario's absolute path (a clone elsewhere
# differs); the spec it hashes is checked in full, with the path as a placeholder
VERSION_KEYS = re.compile(r"^(lbsim|lbsim_version|version|digest)$")
VERSION = re.compile(r"\blbsim \d+\.\d+\S*")
SVG_DATE = re.compile(r"\s*<dc:date>[^<]*</dc:date>")
SVG_ID = re.compile(r'\bid="([^"]+)"')
SVG_BASE64 = re.compile(r"data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)")
DURATION = re.compile(r"\b\d+(\.\d+)? s\b")
TEXT = {".json", ".csv", ".html", ".txt", ".yaml", ".md", ".svg", ""}

SMOKE = f"""name: smoke_checksums
base: {ROOT / 'scenarios/single_class.yaml'}
design: grid
parameters:
  population.left_behind_share: {{values: [0.2, 0.5]}}
  interventions.0.group_size: {{values: [4, 8]}}
replications: 2
seed: {SEED}
weeks: 8
overrides:
  network.burn_in_years: 0.5
  interventions.0.start_week: 2
outcomes: [density, reciprocity, isolates_in_share, indegree_lb, indegree_gap, confidence_lb]
every: 4
batch_size: 3
"""

STAFFING = f"""name: staffing_checksums
base: {ROOT / 'scenarios/dafang_county.yaml'}
design: grid
parameters:
  interventions.0.workers: {{values: [0, 1, 3]}}
magnitudes: posterior
draws: 2
replications: 4
common_seeds: true
seed: {SEED}
weeks: 20
at: [12]
overrides:
  population.schools: 3
  population.classes_per_school: 1
outcomes: [isolates_lb, isolates_lb_share, indegree_lb, indegree_gap,
           reciprocated_friend_lb, confidence_lb]
batch_size: 4
"""


def md5(data: bytes) -> str:
    return hashlib.md5(data).hexdigest()


def _scrub(text: str, tmp: Path) -> str:
    text = text.replace(str(tmp), "<tmp>").replace(str(ROOT), "<repo>")
    return VERSION.sub("lbsim <version>", text)


def _svg(text: str) -> str:
    """An SVG of matplotlib without its creation date, its element ids numbered in order."""
    text = SVG_DATE.sub("", text)
    for k, name in enumerate(dict.fromkeys(SVG_ID.findall(text))):
        text = re.sub(rf"\b{re.escape(name)}\b", f"svg-id-{k}", text)
    return text


def _html(text: str) -> str:
    """HTML with each embedded base64 SVG replaced by the md5 of :func:`_svg` of it."""
    return SVG_BASE64.sub(
        lambda m: f"svg-md5:{md5(_svg(base64.b64decode(m[1]).decode()).encode())}", text)


def _normalise_json(value):
    if isinstance(value, dict):
        return {k: "<normalised>" if TIME_KEYS.match(k) or VERSION_KEYS.match(k)
                else _normalise_json(v)
                for k, v in value.items()}
    if isinstance(value, list):
        return [_normalise_json(v) for v in value]
    return value


def _rows_csv(frame) -> bytes:
    frame = frame.drop(columns=[c for c in frame.columns if TIME_KEYS.match(str(c))])
    for column in [c for c in frame.columns if VERSION_KEYS.match(str(c))]:
        frame[column] = "<normalised>"
    frame = frame.reindex(sorted(frame.columns), axis=1)
    frame = frame.sort_values(list(frame.columns), kind="mergesort").reset_index(drop=True)
    buffer = io.StringIO()
    frame.to_csv(buffer, index=False, float_format="%.17g")
    return buffer.getvalue().encode()


def file_md5(path: Path, tmp: Path) -> str:
    """md5 of one output file, normalised as the module docstring says."""
    if path.suffix == ".json":
        data = _normalise_json(json.loads(_scrub(path.read_text(), tmp)))
        return md5(json.dumps(data, indent=1).encode())
    if path.suffix in TEXT:
        text = _scrub(path.read_text(), tmp)
        text = _html(text) if path.suffix == ".html" else text
        return md5((_svg(text) if path.suffix == ".svg" else text).encode())
    return md5(path.read_bytes())


def folder_md5s(label: str, folder: Path, tmp: Path) -> dict[str, str]:
    """``label/name`` -> md5 of every file under ``folder`` (sub-folders as ``a/b``)."""
    import pandas as pd

    sums = {}
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        name = f"{label}/{path.relative_to(folder).as_posix()}"
        sums[name] = file_md5(path, tmp)
        if path.suffix == ".parquet":
            sums[f"{name}#rows"] = md5(_rows_csv(pd.read_parquet(path)))
    return sums


def launcher(tmp: Path) -> Path:
    """A console script for the ``lbsim`` entry point this tree's pyproject.toml declares."""
    target = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]["lbsim"]
    module, function = target.split(":")
    path = tmp / "bin" / "lbsim"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"#!{sys.executable}\nimport sys\nsys.path.insert(0, {str(ROOT)!r})\n"
                    f"from {module} import {function}\n"
                    f"if __name__ == '__main__':\n    sys.exit({function}())\n")
    path.chmod(0o755)
    return path


class Runner:
    """Runs ``lbsim ARGS`` in a temporary folder and collects checksums."""

    def __init__(self, tmp: Path, installed: bool = False):
        self.tmp = tmp
        self.lbsim = (Path(sys.executable).parent / "lbsim") if installed else launcher(tmp)
        self.env = dict(os.environ, PYTHONPATH=os.pathsep.join(
            [str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])]))

    def __call__(self, *args: str) -> str:
        """stdout of ``lbsim *args`` run from this tree's root; a failure raises."""
        done = subprocess.run([str(self.lbsim), *args], cwd=ROOT, env=self.env,
                              capture_output=True, text=True)
        if done.returncode != 0:
            raise RuntimeError(f"lbsim {' '.join(args)} exited {done.returncode}:\n"
                               f"{done.stdout}\n{done.stderr}")
        return done.stdout

    def out(self, name: str) -> Path:
        return self.tmp / name

    def printed(self, label: str, stdout: str) -> dict[str, str]:
        return {f"{label}/stdout": md5(DURATION.sub("<s>", _scrub(stdout, self.tmp)).encode())}


def item_run(lb: Runner) -> dict[str, str]:
    stdout = lb("run", "scenarios/dafang_yuchong.yaml", "--seed", "1", "--out", str(lb.out("run")))
    return lb.printed("run", stdout) | folder_md5s("run", lb.out("run"), lb.tmp)


def _compare(label: str, *args: str) -> Callable[[Runner], dict[str, str]]:
    def item(lb: Runner) -> dict[str, str]:
        out = lb.out(label)
        stdout = lb("compare", "scenarios/single_class.yaml", "--replications", "4",
                    "--seed", str(SEED), *args, "--out", str(out))
        return lb.printed(label, stdout) | folder_md5s(label, out, lb.tmp)
    return item


def _sweep(lb: Runner, label: str, spec: str) -> tuple[Path, dict[str, str]]:
    import pandas as pd

    path = lb.tmp / f"{label}.yaml"
    path.write_text(spec)
    out = lb.out(label)
    lb("sweep", str(path), "--out", str(out), "--workers", "2")
    batches = sorted(out.glob("batch-*.parquet"))
    if not batches:
        raise RuntimeError(f"lbsim sweep wrote no batch to {out}")
    rows = pd.concat([pd.read_parquet(p) for p in batches], ignore_index=True)
    sums = {f"{label}/rows.csv": md5(_rows_csv(rows))}
    for path in sorted(p for p in out.iterdir() if p.is_file() and p.suffix != ".parquet"):
        sums[f"{label}/{path.name}"] = file_md5(path, lb.tmp)
    return out, sums


def item_sweep(lb: Runner) -> dict[str, str]:
    return _sweep(lb, "sweep", SMOKE)[1]


def item_report(lb: Runner) -> dict[str, str]:
    out, sums = _sweep(lb, "staffing", STAFFING)
    report = lb.out("staffing_report")
    sums |= lb.printed("staffing_report", lb("report", str(out), "--out", str(report)))
    return sums | folder_md5s("staffing_report", report, lb.tmp)


def _estimate(label: str, *args: str) -> Callable[[Runner], dict[str, str]]:
    def item(lb: Runner) -> dict[str, str]:
        out = lb.out(label)
        sums = lb.printed(label, lb("estimate", *args, "--seed", "1", "--out", str(out)))
        return sums | folder_md5s(label, out, lb.tmp)
    return item


def item_separately(lb: Runner) -> dict[str, str]:
    return lb.printed("estimate_separately",
                      lb("estimate", "--data", "baerveldt", "--separately", "--seed", "1"))


def item_gof(lb: Runner) -> dict[str, str]:
    out = lb.out("gof")
    sums = lb.printed("gof", lb("gof", "--data", "s50", "--runs", "50", "--seed", "1",
                                "--out", str(out)))
    return sums | folder_md5s("gof", out, lb.tmp)


ITEMS: dict[str, Callable[[Runner], dict[str, str]]] = {
    "run": item_run,
    "compare": _compare("compare"),
    "compare_defaults": _compare("compare_defaults", "--magnitudes", "defaults"),
    "sweep": item_sweep,
    "report": item_report,
    "estimate_s50": _estimate("estimate_s50", "--data", "s50"),
    "estimate_conditional": _estimate("estimate_conditional", "--data", "s50", "--conditional"),
    "estimate_behaviour": _estimate("estimate_behaviour", "--data", "s50",
                                    "--behaviour", "drink=alcohol"),
    "estimate_baerveldt": _estimate("estimate_baerveldt", "--data", "baerveldt"),
    "estimate_separately": item_separately,
    "gof": item_gof,
}


def checksums(items: list[str] | None = None, installed: bool = False) -> dict[str, str]:
    """label -> md5 of the outputs of ``items`` (default all of :data:`ITEMS`)."""
    sums: dict[str, str] = {}
    with tempfile.TemporaryDirectory(prefix="lbsim-checksums-") as tmp:
        lb = Runner(Path(tmp), installed)
        for name in items or list(ITEMS):
            sums |= ITEMS[name](lb)
    return dict(sorted(sums.items()))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, help="write the checksums here as JSON")
    parser.add_argument("--only", nargs="+", choices=list(ITEMS), help="these items only")
    parser.add_argument("--installed", action="store_true",
                        help="use the lbsim next to sys.executable, not this tree's")
    args = parser.parse_args(argv)
    sums = checksums(args.only, args.installed)
    for label, value in sums.items():
        print(f"{value}  {label}")
    if args.out:
        args.out.write_text(json.dumps(sums, indent=1, sort_keys=True) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
