"""Writing files and folders atomically, and never over a user's files.

A reader (a resumed sweep, a query, a user) sees a result complete or not at all, never
half written, whatever kills the writer: both helpers write into a temporary name on the
same file system and rename when the block succeeds, removing it if the block raises.

An output folder lists the files lbsim wrote there in ``.lbsim-outputs`` (JSON:
``{"complete": true, "files": [relative paths]}``). Every command that writes a folder
follows one rule (:func:`check_folder`): a missing or empty folder is written; a folder
holding anything is refused unless ``--overwrite``, and then only lbsim's own files (those
listed, and those matching the command's own ``patterns``, e.g. a sweep's batch files)
are replaced; everything else in it is kept where it is.
"""

from __future__ import annotations

import fnmatch
import json
import os
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

MANIFEST = ".lbsim-outputs"
"""The list of the files lbsim wrote into an output folder."""
TEMPORARY = ".lbsim-tmp-"
"""Prefix of the temporary folder inside an existing output folder while lbsim writes."""


class FolderError(ValueError):
    """An output path lbsim will not write to: it says which files are in the way and what
    to do (choose another --out, pass --overwrite, or move a file)."""


def _usual_mode(path: Path) -> Path:
    """Give a temporary file or folder (created 0600 / 0700 by :mod:`tempfile`) the mode a
    plain ``open`` or ``mkdir`` would: 0666 / 0777 less the umask, so results can be shared
    as the user's other files are."""
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(path, (0o777 if path.is_dir() else 0o666) & ~umask)
    return path


@contextmanager
def atomic_file(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path beside ``path`` (``.<name>.<random>.tmp``) to write to; it
    becomes ``path`` when the block succeeds and is deleted when it fails.

    Examples
    --------
    >>> import tempfile
    >>> folder = tempfile.TemporaryDirectory()
    >>> with atomic_file(Path(folder.name) / "table.csv") as tmp:
    ...     _ = tmp.write_text("a,b\\n")
    >>> with atomic_file(Path(folder.name) / "broken.csv") as tmp:
    ...     _ = tmp.write_text("half of a")
    ...     raise RuntimeError("stopped")
    Traceback (most recent call last):
    RuntimeError: stopped
    >>> sorted(p.name for p in Path(folder.name).iterdir())  # no half-written file
    ['table.csv']
    >>> folder.cleanup()
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    tmp = _usual_mode(Path(name))
    try:
        yield tmp
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def check_file(path: str | Path, overwrite: bool = False) -> None:
    """Raise FolderError unless lbsim may write the file ``path``: it does not exist, or
    it is a file and ``overwrite`` (the user named it to be replaced)."""
    path = Path(path)
    if path.is_dir():
        raise FolderError(f"{path} is a folder; --out names the file to write")
    if path.exists() and not overwrite:
        raise FolderError(f"{path} exists; choose another --out or pass --overwrite")


def _files(folder: Path) -> list[str]:
    """Every file (and empty folder) under ``folder`` as a relative POSIX path."""
    found = []
    for root, dirs, files in os.walk(folder):
        rel = Path(root).relative_to(folder)
        found += [(rel / f).as_posix() for f in files]
        found += [(rel / d).as_posix() + "/" for d in dirs
                  if not any(os.scandir(Path(root) / d))]
    return sorted(found)


def _manifest(folder: Path) -> dict:
    try:
        data = json.loads((folder / MANIFEST).read_text())
        return {"complete": bool(data.get("complete")), "files": list(data.get("files", []))}
    except (OSError, ValueError, AttributeError):
        return {"complete": True, "files": []}


def _is_own(rel: str, listed: set[str], patterns: Iterable[str]) -> bool:
    top = rel.split("/")[0]
    return (rel in listed or rel == MANIFEST or top.startswith(TEMPORARY)
            or any(fnmatch.fnmatch(rel, p) for p in patterns))


def sort_files(folder: str | Path, patterns: Iterable[str] = ()) -> tuple[list[str], list[str]]:
    """(lbsim's own files, everybody else's) in ``folder``, as relative paths."""
    folder = Path(folder)
    if not folder.is_dir():
        return [], []
    listed = set(_manifest(folder)["files"])
    patterns = tuple(patterns)
    own: list[str] = []
    foreign: list[str] = []
    for rel in _files(folder):
        (own if _is_own(rel, listed, patterns) else foreign).append(rel)
    return own, foreign


def _names(paths: list[str], limit: int = 5) -> str:
    more = f" and {len(paths) - limit} more" if len(paths) > limit else ""
    return ", ".join(paths[:limit]) + more


def check_folder(out: str | Path, overwrite: bool = False, patterns: Iterable[str] = (),
                 writes: Iterable[str] = ()) -> None:
    """Raise FolderError unless lbsim may write the folder ``out``: it does not exist, is
    empty, or ``overwrite`` (then only lbsim's own files there will be replaced; a user's
    file with the name of one the command ``writes`` is refused now, before it computes)."""
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise FolderError(f"{out} is a file, not a folder; choose another --out")
    if not out.exists():
        return
    own, foreign = sort_files(out, patterns)
    clash = [rel for rel in foreign if rel.rstrip("/") in set(writes)]
    if clash:
        raise FolderError(f"{out}: lbsim would write {_names(clash)}, which lbsim did not "
                          f"write there (not listed in {MANIFEST}); move them away (delete "
                          f"them if an older lbsim wrote them) or choose another --out")
    if overwrite:
        return
    state = "" if _manifest(out)["complete"] else ", and lbsim's results of an interrupted write"
    if foreign:
        raise FolderError(f"{out} exists and holds files lbsim did not write there "
                          f"({_names(foreign)}){state}; choose another --out or pass "
                          f"--overwrite (which replaces only lbsim's own files and keeps yours)")
    if own:
        raise FolderError(f"{out} exists and holds lbsim's results{state[6:]}; choose "
                          f"another --out or pass --overwrite")


def remove_own(out: str | Path, patterns: Iterable[str] = (), keep: Iterable[str] = (),
               writing: str | None = None) -> None:
    """Delete lbsim's own files in ``out`` (but the manifest, those in ``keep`` and the
    temporary folder ``writing``), and the folders this leaves empty; the rest stays."""
    out = Path(out)
    keep = set(keep) | {MANIFEST}
    own, _ = sort_files(out, patterns)
    for rel in own:
        if rel in keep or rel.split("/")[0] == writing:
            continue
        path = out / rel.rstrip("/")
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)
        for parent in path.parents:
            if parent == out or not parent.is_relative_to(out):
                break
            try:
                parent.rmdir()  # only if empty: a user's file keeps its folder
            except OSError:
                break


def _write_manifest(folder: Path, files: Iterable[str], complete: bool) -> None:
    with atomic_file(folder / MANIFEST) as tmp:
        tmp.write_text(json.dumps({"complete": complete, "files": sorted(files)}, indent=1))


@contextmanager
def atomic_folder(out: str | Path, overwrite: bool = False,
                  patterns: Iterable[str] = ()) -> Iterator[Path]:
    """Yield a temporary folder to write the results into; when the block succeeds they
    become ``out``'s, listed in its manifest, and when it fails they vanish. Raises
    FolderError as :func:`check_folder` (before the block) or if a new file would replace
    a file lbsim did not write (after it; nothing is moved then).

    A new folder appears by one rename. Into an existing folder the files move one by one:
    the manifest first lists old and new files as incomplete, then the new files only."""
    out = Path(out)
    patterns = tuple(patterns)
    check_folder(out, overwrite, patterns)
    fresh = not out.exists()
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = _usual_mode(Path(tempfile.mkdtemp(prefix=f".{out.name}." if fresh else TEMPORARY,
                                            dir=out.parent if fresh else out)))
    try:
        yield tmp
        new = _files(tmp)
        if fresh:
            _write_manifest(tmp, new, complete=True)
            tmp.rename(out)
        else:
            _move_in(tmp, out, new, patterns)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _move_in(tmp: Path, out: Path, new: list[str], patterns: tuple[str, ...]) -> None:
    """Replace lbsim's own files in ``out`` by the ``new`` ones written in ``tmp``."""
    own, foreign = sort_files(out, patterns)
    own = [rel for rel in own if rel.split("/")[0] != tmp.name]
    blocked = {f.rstrip("/") for f in foreign}
    clash = [rel for rel in new if any(
        "/".join(rel.rstrip("/").split("/")[:k]) in blocked
        for k in range(1, rel.count("/") + 2))]
    if clash:
        raise FolderError(f"{out}: lbsim would write {_names(clash)}, which lbsim did not "
                          f"write there (not listed in {MANIFEST}); move them away (delete "
                          f"them if an older lbsim wrote them) or choose another --out")
    _write_manifest(out, (set(own) | set(new)) - {MANIFEST}, complete=False)
    remove_own(out, patterns, keep=new, writing=tmp.name)
    for rel in new:
        target = out / rel.rstrip("/")
        target.parent.mkdir(parents=True, exist_ok=True)
        if rel.endswith("/"):
            target.mkdir(exist_ok=True)
        else:
            os.replace(tmp / rel, target)
    _write_manifest(out, new, complete=True)
