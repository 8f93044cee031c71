"""Studies built on the classroom world: a run and its files, virtual trials, robustness,
the magnitudes' samples, calibration to survey data and to published evidence, sweeps
and staffing reports, goodness of fit of an estimated SAOM.

Each study returns a frozen result (:mod:`sim.studies.result`): ``table()``, ``to_frame()``
and, where the study draws one, ``plot()``. They are imported on first use, so importing
``sim.studies`` loads neither Mesa, pandas nor matplotlib."""

from sim.lazy import lazy_exports

_HOMES = {
    "Result": "sim.studies.result",
    "RunResult": "sim.studies.run",
    "TrialResult": "sim.studies.trials",
    "RobustnessResult": "sim.studies.robustness",
    "ImportResult": "sim.studies.scenario_import",
    "SweepPlan": "sim.studies.sweep.sweep",
    "SweepResult": "sim.studies.sweep.sweep",
    "ReportResult": "sim.studies.sweep.report",
    "run_scenario": "sim.studies.run",
    "virtual_trial": "sim.studies.trials",
    "compare_arms": "sim.studies.trials",
    "sample_for_trial": "sim.studies.magnitudes",
    "prior": "sim.studies.magnitudes",
    "posterior": "sim.studies.magnitudes",
    "import_scenario": "sim.studies.scenario_import",
    "export_networks": "sim.studies.network_export",
    "plan": "sim.studies.sweep.sweep",
    "run_sweep": "sim.studies.sweep.sweep",
    "query": "sim.studies.sweep.store",
    "plan_table": "sim.studies.sweep.report",
    "write_report": "sim.studies.sweep.report",
}

__all__ = list(_HOMES)

__getattr__, __dir__ = lazy_exports(__name__, _HOMES)
