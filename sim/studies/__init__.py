"""Studies built on the classroom world: a run and its files, virtual trials, robustness,
the magnitudes' samples, calibration to survey data and to published evidence, sweeps
and staffing reports, goodness of fit of an estimated SAOM.

Each study returns a frozen result (:mod:`sim.studies.result`): ``table()``, ``to_frame()``
and, where the study draws one, ``plot()``. They are imported on first use, so importing
``sim.studies`` loads neither Mesa, pandas nor matplotlib."""

from importlib import import_module

_HOMES = {
    "Result": "sim.studies.result",
    "RunResult": "sim.studies.run",
    "TrialResult": "sim.studies.trials",
    "RobustnessResult": "sim.studies.robustness",
    "ImportResult": "sim.studies.scenario_import",
    "SweepPlan": "sim.studies.sweep.sweep",
    "SweepResult": "sim.studies.sweep.sweep",
    "ReportResult": "sim.studies.sweep.report",
}

__all__ = list(_HOMES)


def __getattr__(name: str):
    if name not in _HOMES:
        raise AttributeError(f"module 'sim.studies' has no attribute {name!r}")
    return getattr(import_module(_HOMES[name]), name)


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
