"""A fitted SAOM saved to a folder (``lbsim estimate --out DIR``) and loaded again
(:func:`load_fit`, ``lbsim gof --fit DIR``).

The folder holds, written atomically under lbsim's output-folder rule (:mod:`sim.atomic`):

- ``fit.json``: everything, exactly (floats as Python writes them, a missing value as
  ``null``): ``estimate`` (the fields of :class:`sim.saom.Estimate`), the effects
  asked for, the seed, the model options (``conditional``, behaviours, composition), the
  data as the command named them (``source``) and the data themselves (each class's waves,
  a missing tie as ``null``, and covariates), and the lbsim version;
- ``estimates.csv``: parameter, estimate, se (empty when fixed), fixed;
- ``covariance.csv``: the covariance of the estimated parameters, a header of their names;
- ``phase3.npz``: the simulations of phase 3 (:class:`sim.saom.results.Phase3`), which the
  score-type and time tests read (``lbsim score-test``, ``lbsim time-test``).
"""

from __future__ import annotations

import json
import math
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields
from pathlib import Path

import numpy as np

from sim.atomic import atomic_folder
from sim.saom import ClassData, Data, Estimate, Parameter
from sim.saom.results import Phase3
from sim.version import lbsim_version

FIT = "fit.json"
PHASE3 = "phase3.npz"
FIT_FILES = (FIT, "estimates.csv", "covariance.csv", PHASE3)
"""The files :func:`save_fit` writes."""
_PHASE3_ARRAYS = ("statistics", "scores", "targets", "period_statistics", "period_scores",
                  "period_targets")
FORMAT = 1
_ARRAYS = ("theta", "se", "fixed", "cov", "targets", "sim_mean", "sim_sd", "t_ratios",
           "derivative")


@dataclass(frozen=True)
class FitClass:
    """One class's observed data: its waves (NaN = missing tie) and actor covariates."""

    name: str
    waves: list[np.ndarray]
    covariates: dict[str, np.ndarray] = field(default_factory=dict)


@dataclass(frozen=True)
class SavedFit:
    """A fit as :func:`load_fit` reads it: the estimate, the effects asked for, the data
    (``classes``: one, or several for a fit of a multi-class data set), the model options
    (``model``: conditional, behaviours, behaviour_effects, composition), how the command
    line named the data (``source``), the seed and the lbsim version that wrote it.

    Attributes
    ----------
    estimate : Estimate
        The fit.
    effects : tuple of str
        The effects asked for.
    classes : list of FitClass
        The data: one class, or several for a multi-class data set.
    model : dict
        The model options: conditional, behaviours, behaviour_effects, composition.
    source : dict
        How the command line named the data.
    seed : int or None
        The estimation's seed.
    version : str
        The lbsim version that wrote the fit.
    """

    estimate: Estimate
    effects: tuple[str, ...]
    classes: list[FitClass]
    model: dict
    source: dict
    seed: int | None
    version: str

    def data(self) -> ClassData | Data:
        """The data fitted, as :func:`sim.saom.estimate` takes them: one class's
        :class:`sim.saom.ClassData`, or several classes' :class:`sim.saom.Data`, with
        their covariates, behaviours and composition change."""
        model = self.model
        one = len(self.classes) == 1
        behaviours = [model.get("behaviours")] if one else model.get("behaviours")
        compositions = [model.get("composition")] if one else model.get("compositions")
        made = [ClassData(c.waves, covariates=c.covariates,
                          behaviours={k: _array(v) for k, v in
                                      ((behaviours or [None] * len(self.classes))[g] or {})
                                      .items()},
                          composition=(compositions or [None] * len(self.classes))[g],
                          name=c.name if not one else "")
                for g, c in enumerate(self.classes)]
        return made[0] if one else Data(made)


def _plain(value):
    """JSON-ready: arrays to (nested) lists, NaN to None, infinities to "inf"/"-inf"
    (a diverged fit's t-ratios; JSON has no infinity)."""
    if isinstance(value, np.ndarray):
        return _plain(value.tolist())
    if isinstance(value, Parameter):
        return str(value)
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (float, np.floating)):
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return None if math.isnan(value) else float(value)
    if isinstance(value, (np.integer, np.bool_)):
        return value.item()
    return value


def _array(value, dtype=float) -> np.ndarray:
    """The inverse of :func:`_plain` for an array (None back to NaN, "inf" to inf)."""
    return np.array(value, dtype=object).astype(dtype)


def _wave(value) -> np.ndarray:
    """A wave back as read: 0/1 as int8, or floats with NaN where a tie is missing."""
    wave = _array(value)
    return wave if np.isnan(wave).any() else wave.astype(np.int8)


def covariance_names(est: Estimate) -> list[str]:
    """The parameters ``est.cov`` is over (:meth:`sim.saom.Estimate.cov_names`)."""
    return est.cov_names()


def _csv_text(rows: Sequence[Sequence]) -> str:
    def cell(v):
        if isinstance(v, str):
            return f'"{v}"' if "," in v or '"' in v else v
        return "" if v is None else repr(v)
    return "".join(",".join(cell(v) for v in row) + "\n" for row in rows)


def _json_text(data: dict) -> str:
    """JSON with one top-level key (and one estimate field) a line."""
    def block(d: dict, indent: str) -> str:
        return ",\n".join(f"{indent}{json.dumps(k)}: " + (
            "{\n" + block(v, indent + " ") + f"\n{indent}}}" if k == "estimate" else
            json.dumps(v, allow_nan=False)) for k, v in d.items())
    return "{\n" + block(data, " ") + "\n}\n"


def save_fit(out: str | Path, est: Estimate, *, effects: Sequence[str],
             classes: Sequence[FitClass], model: Mapping | None = None,
             source: Mapping | None = None, seed: int | None = None,
             overwrite: bool = False) -> None:
    """Write ``est`` and what it was fitted to into the folder ``out`` (see the module).

    Parameters
    ----------
    out : str or Path
        The folder, written whole or not at all (:func:`sim.atomic.atomic_folder`).
    est : Estimate
        The fit.
    effects : sequence of str
        The effects asked for.
    classes : sequence of FitClass
        The data fitted.
    model : Mapping, optional
        The model options (:attr:`SavedFit.model`).
    source : Mapping, optional
        How the data were named.
    seed : int, optional
        The estimation's seed.
    overwrite : bool
        Replace an existing fit in ``out``.
    """
    data = {
        "format": FORMAT, "lbsim": lbsim_version(), "effects": list(effects), "seed": seed,
        "estimate": {f.name: getattr(est, f.name) for f in fields(Estimate)
                     if f.name != "phase3"},
        "model": dict(model or {}), "source": dict(source or {}),
        "classes": [{"name": c.name, "waves": c.waves, "covariates": c.covariates}
                    for c in classes]}
    se = [None if f or math.isnan(s) else float(s)
          for s, f in zip(est.se, est.fixed, strict=True)]
    estimates = [("parameter", "estimate", "se", "fixed")] + [
        (str(n), float(v), s, bool(f)) for n, v, s, f in zip(est.names, est.theta, se, est.fixed,
                                                        strict=True)]
    covariance = [tuple(covariance_names(est))] + [tuple(float(v) for v in row)
                                                     for row in est.cov]
    with atomic_folder(out, overwrite) as tmp:
        (tmp / FIT).write_text(_json_text(_plain(data)))
        (tmp / "estimates.csv").write_text(_csv_text(estimates))
        (tmp / "covariance.csv").write_text(_csv_text(covariance))
        if est.phase3 is not None:
            _write_phase3(tmp / PHASE3, est.phase3)


def load_fit(folder: str | Path) -> SavedFit:
    """The fit saved in ``folder`` by :func:`save_fit` (``lbsim estimate --out``); raises
    ValueError if it holds none.

    Parameters
    ----------
    folder : str or Path
        The fit's folder.

    Returns
    -------
    SavedFit
        The estimate and what it was fitted to.
    """
    path = Path(folder) / FIT
    try:
        data = json.loads(path.read_text())
    except FileNotFoundError:
        raise ValueError(f"{path} not found: save a fit with lbsim estimate --out "
                         f"{folder}") from None
    except (OSError, ValueError) as e:
        raise ValueError(f"{path}: not a saved fit ({e})") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ValueError(f"{path}: not a saved fit of format {FORMAT} (lbsim estimate --out)")
    raw = data["estimate"]
    values = {f.name: raw[f.name] for f in fields(Estimate) if f.name != "phase3"}
    for name in _ARRAYS:
        values[name] = _array(raw[name], bool if name == "fixed" else float)
    behaviours = list((data.get("model") or {}).get("behaviours") or {})
    values["names"] = tuple(Parameter.parse(n, behaviours) for n in raw["names"])
    values["stat_names"] = tuple(raw["stat_names"])
    values["max_ratio"] = float(raw["max_ratio"])
    classes = [FitClass(c["name"], [_wave(w) for w in c["waves"]],
                        {k: _array(v) for k, v in c["covariates"].items()})
               for c in data["classes"]]
    values["phase3"] = _read_phase3(Path(folder) / PHASE3, behaviours)
    return SavedFit(Estimate(**values), tuple(data["effects"]), classes, data["model"],
                    data["source"], data["seed"], data["lbsim"])


def _write_phase3(path: Path, phase3: Phase3) -> None:
    """The phase-3 simulations as a numpy ``.npz`` archive whose bytes depend on the
    arrays alone (entries dated 1980-01-01), names as arrays of strings."""
    import io
    import zipfile

    arrays = {k: np.asarray(getattr(phase3, k)) for k in _PHASE3_ARRAYS}
    for k in ("names", "effects", "periods"):
        arrays[k] = np.array([str(v) for v in getattr(phase3, k)], dtype=str)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for k, a in arrays.items():
            buffer = io.BytesIO()
            np.lib.format.write_array(buffer, a, allow_pickle=False)
            z.writestr(zipfile.ZipInfo(f"{k}.npy", (1980, 1, 1, 0, 0, 0)), buffer.getvalue(),
                       zipfile.ZIP_DEFLATED)


def _read_phase3(path: Path, behaviours: Sequence[str]) -> Phase3 | None:
    """The phase-3 simulations saved by :func:`_write_phase3`; None if the fit has none
    (fits saved before lbsim kept them)."""
    if not path.exists():
        return None
    try:
        with np.load(path, allow_pickle=False) as z:
            arrays = {k: z[k] for k in (*_PHASE3_ARRAYS, "names", "effects", "periods")}
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile) as e:
        raise ValueError(f"{path}: not the phase-3 simulations of a saved fit ({e})") from None
    names = {k: tuple(Parameter.parse(str(v), behaviours) for v in arrays[k])
             for k in ("names", "effects")}
    return Phase3(names["names"], arrays["statistics"], arrays["scores"], arrays["targets"],
                  names["effects"], tuple(str(v) for v in arrays["periods"]),
                  arrays["period_statistics"], arrays["period_scores"],
                  arrays["period_targets"])
