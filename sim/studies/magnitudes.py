"""Samples of the assumption-marked magnitudes, so that an answer carries their uncertainty.

A sample is a table with one column per path of :data:`sim.studies.robustness.ASSUMPTIONS` (with
``{group}`` as written there) and one row per draw. Four kinds:

- ``defaults``: no draw, the scenario as written (one draw without columns): today's answer.
- ``prior``: independent uniform draws over each assumption's documented range. The ranges
  are documented bounds (docs/model.md §4, §6) that say nothing of where inside them the
  value lies; the uniform distribution is the least-committal (maximum-entropy) prior over
  a bounded interval. Drawn from ``numpy.random.SeedSequence([seed, PRIOR_STREAM])``: the
  same seed gives the same sample, on a stream apart from the simulations' own seeds.
- a file: CSV or Parquet of draws, e.g. a posterior sample of the magnitudes inferred from
  published experiments, with exactly the assumptions' paths as columns.
- ``posterior``: the file shipped with lbsim (sim/data/posterior/posterior.csv), the
  magnitudes inferred from the published findings by rejection ABC on a reference table
  (:mod:`sim.studies.evidence.calibration`, :func:`sim.studies.evidence.sbc.accepted`), equal
  weights. The
  default of every command
  (:data:`sim.vocabulary.DEFAULT_MAGNITUDES`): ``lbsim compare``, sweeps (``magnitudes:`` in
  a spec, so ``lbsim report``) and ``lbsim robustness``, which screens over each
  magnitude's central 95% posterior range (:func:`screening_ranges`). ``defaults`` gives
  the scenario as written, bit for bit.

Draw k applied to a scenario (:meth:`Sample.apply`) is ``scenario.override`` with each path,
``{group}`` standing for every growth group and every staffing plan's growth group
(:func:`sim.studies.robustness.group_places`). A ``{group}`` path in a scenario without a group is
skipped, as is a path outside the interventions where the scenario has no value (e.g. an
effect it leaves out), so a draw never adds what a scenario does not have.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from sim.studies.robustness import ASSUMPTIONS, Assumption, group_places
from sim.vocabulary import DEFAULT_MAGNITUDES
from sim.world.scenario import Scenario, value_at

PRIOR_STREAM = 0x6D61676E
"""The second word of the prior's seed sequence ('magn'): its draws share no stream with a
simulation seeded by the same number."""

NAMED = ("defaults", "prior", "posterior")
"""The samples named by a word rather than a file."""

WORDS = {"prior": "the prior, uniform over their documented ranges",
         "posterior": "the posterior inferred from published experiments (sim/data/posterior)"}
"""What a named sample is, in words (a file is named by its path)."""

READERS = {".csv": pd.read_csv, ".parquet": pd.read_parquet, ".pq": pd.read_parquet}


class MagnitudesError(ValueError):
    """A sample of magnitudes that cannot be used; the message says what is allowed."""


class DrawsError(MagnitudesError):
    """A number of draws that cannot be used (``--draws``); the message says what is."""


@dataclass(frozen=True)
class Sample:
    """Draws of the magnitudes: ``table`` has one column per assumption path and one row per
    draw; ``source`` says where they come from (``defaults``, ``prior`` or a file)."""

    table: pd.DataFrame
    source: str
    note: str = ""
    """What a reader should know about the values (e.g. how many lie outside the documented
    ranges), or nothing."""

    def __len__(self) -> int:
        return len(self.table)

    @property
    def drawn(self) -> bool:
        """Whether the draws set any magnitude (``defaults`` sets none)."""
        return len(self.table.columns) > 0

    @property
    def distinct(self) -> int:
        """The number of distinct draws: a posterior resampled by weight repeats rows, each
        repeat carrying its weight."""
        return len(self.table.drop_duplicates()) if self.drawn else len(self)

    def words(self) -> str:
        """Where the draws come from (:func:`describe`), then any notes about them."""
        count = len(self) * self.drawn
        return "\n".join(filter(None, (describe(self.source, count, self.distinct),
                                        self.note, few_draws_note(count))))

    def draw(self, k: int) -> dict[str, float]:
        """Draw ``k``: path -> value."""
        return {str(path): float(v) for path, v in self.table.iloc[k].items()}

    def overrides(self, scenario: Scenario, k: int) -> dict[str, float]:
        """Draw ``k`` as overrides of ``scenario`` (:func:`overrides`)."""
        return overrides(scenario, self.draw(k))

    def apply(self, scenario: Scenario, k: int) -> Scenario:
        """``scenario`` with draw ``k``'s magnitudes (:func:`apply`)."""
        return apply(scenario, self.draw(k))

    def take(self, draws: int, seed: int) -> Sample:
        """``draws`` of the rows, chosen at random without replacement (keyed by ``seed``,
        kept in their order), or all of them when ``draws`` is their number."""
        if not 1 <= draws <= len(self):
            raise DrawsError(f"{self.source} has {len(self)} draws: ask for 1 to "
                             f"{len(self)}, not {draws}")
        if draws == len(self):
            return self
        rng = np.random.default_rng(np.random.SeedSequence([seed, PRIOR_STREAM, 1]))
        rows = np.sort(rng.choice(len(self), draws, replace=False))
        return Sample(self.table.iloc[rows].reset_index(drop=True), self.source, self.note)

    def check(self, scenario: Scenario,
              assumptions: tuple[Assumption, ...] = ASSUMPTIONS) -> Sample:
        """The sample, each row checked against ``scenario`` before anything runs: a value
        the scenario does not allow is a :class:`MagnitudesError` naming its row, column
        and what is allowed; values it allows outside an assumption's documented range
        are kept, counted in ``note``."""
        from sim.world.scenario import ScenarioError

        for k in range(len(self) * self.drawn):
            try:
                apply(scenario, self.draw(k))
                continue
            except ScenarioError as e:
                problem = e
            for path, value in self.draw(k).items():  # the column at fault
                try:
                    apply(scenario, {path: value})
                except ScenarioError as e:
                    allowed = "; ".join(p.split(" — ")[-1] for p in e.problems)
                    raise MagnitudesError(
                        f"{self.source}: row {k + 1}, column {path}: {value:g} is not "
                        f"allowed in {scenario.name} ({allowed})") from None
            raise MagnitudesError(f"{self.source}: row {k + 1} is not allowed in "
                                  f"{scenario.name} ({problem})") from None
        ranges = {a.path: (a.low, a.high) for a in assumptions}
        outside = sum(int((~self.table[p].between(*ranges[p])).sum())
                      for p in self.table.columns if p in ranges)
        if not outside:
            return self
        return Sample(self.table, self.source, (
            f"note: {outside} of the {self.table.size} values in {self.source} lie outside "
            f"the assumptions' documented ranges (sim.studies.robustness.ASSUMPTIONS); "
            f"used as given"))


def overrides(scenario: Scenario, draw: Mapping[str, float],
              fixed: Collection[str] = ()) -> dict[str, float]:
    """A draw (path -> value) as dotted-path overrides of ``scenario``, ``{group}`` resolved
    to each of its groups; paths that do not apply to it are left out, and so are the
    ``fixed`` ones (resolved paths a caller sets itself, e.g. a sweep's parameters)."""
    groups = group_places(scenario)
    dump = None
    out = {}
    for path, value in draw.items():
        if "{group}" in path:
            out.update({path.format(group=g): float(value) for g in groups})
            continue
        dump = scenario.model_dump(mode="json") if dump is None else dump
        if value_at(dump, path) is not None:
            out[path] = float(value)
    return {path: v for path, v in out.items() if path not in fixed}


def apply(scenario: Scenario, draw: Mapping[str, float],
          fixed: Collection[str] = ()) -> Scenario:
    """``scenario`` with a draw's magnitudes but the ``fixed`` paths (the scenario itself
    when it sets none)."""
    changes = overrides(scenario, draw, fixed)
    return scenario.override(changes) if changes else scenario


def defaults() -> Sample:
    """The scenario as written: one draw that sets nothing."""
    return Sample(pd.DataFrame(index=range(1)), "defaults")


def prior(draws: int, seed: int, assumptions: tuple[Assumption, ...] = ASSUMPTIONS) -> Sample:
    """``draws`` independent uniform draws over each assumption's documented range.

    Parameters
    ----------
    draws : int
        How many (at least 1).
    seed : int
        The random seed.
    assumptions : tuple of Assumption
        The magnitudes and their ranges (:data:`sim.studies.robustness.ASSUMPTIONS`).

    Returns
    -------
    Sample
        One row per draw.
    """
    if draws < 1:
        raise MagnitudesError(f"the prior needs at least 1 draw, not {draws}")
    rng = np.random.default_rng(np.random.SeedSequence([seed, PRIOR_STREAM]))
    low = np.array([a.low for a in assumptions])
    high = np.array([a.high for a in assumptions])
    values = low + (high - low) * rng.random((draws, len(assumptions)))
    return Sample(pd.DataFrame(values, columns=[a.path for a in assumptions]), "prior")


def read_sample(path: str | Path, assumptions: tuple[Assumption, ...] = ASSUMPTIONS) -> Sample:
    """The draws in a CSV or Parquet file, checked: its columns must be exactly the
    assumptions' paths, every value a finite number."""
    path = Path(path)
    allowed = [a.path for a in assumptions]
    if path.suffix.lower() not in READERS:
        raise MagnitudesError(f"{path}: a sample of magnitudes is a CSV or Parquet file "
                              f"({', '.join(READERS)}), or 'defaults', 'prior' or "
                              f"'posterior'")
    if not path.is_file():
        raise MagnitudesError(f"{path}: no such file (give 'defaults', 'prior', 'posterior' or "
                              f"a CSV or Parquet file of draws)")
    try:
        table = READERS[path.suffix.lower()](path)
    except Exception as e:  # the reader's own words (bad CSV, not Parquet, ...)
        raise MagnitudesError(f"{path}: cannot be read ({e})") from None
    unknown = [str(c) for c in table.columns if c not in allowed]
    missing = [c for c in allowed if c not in table.columns]
    problems = ([f"unknown column(s): {', '.join(unknown)}"] if unknown else []) + (
        [f"missing column(s): {', '.join(missing)}"] if missing else [])
    if problems:
        raise MagnitudesError(f"{path}: {'; '.join(problems)}. The columns must be the "
                              f"assumptions' paths (sim.studies.robustness.ASSUMPTIONS): "
                              f"{', '.join(allowed)}")
    if table.empty:
        raise MagnitudesError(f"{path}: no draws (the file has no rows)")
    numbers = table[allowed].apply(pd.to_numeric, errors="coerce")
    bad = ~np.isfinite(numbers.to_numpy(float))
    if bad.any():
        row, col = map(int, np.argwhere(bad)[0])
        raise MagnitudesError(f"{path}: row {row + 1}, column {allowed[col]}: "
                              f"{table.iloc[row, col]!r} is not a finite number "
                              f"({int(bad.sum())} such value(s))")
    return Sample(numbers.astype(float).reset_index(drop=True), str(path))


def posterior_path() -> Path:
    """The shipped posterior sample (scripts/calibrate_evidence.py remakes it)."""
    from importlib import resources

    return Path(str(resources.files("sim.data") / "posterior" / "posterior.csv"))


def posterior() -> Sample:
    """The shipped posterior sample, checked as any file of draws.

    Returns
    -------
    Sample
        The posterior draws of the magnitudes (ABC-SMC calibration to published evidence,
        :mod:`sim.studies.evidence.calibration`).
    """
    return Sample(read_sample(posterior_path()).table, "posterior")


def describe(source: str, draws: int, distinct: int | None = None) -> str:
    """Where a trial's magnitudes come from, in words: ``draws`` of sample ``source``
    ("10 draws (8 distinct) of the posterior inferred from published experiments
    (sim/data/posterior)", the count of distinct ones when some repeat); no draws (or
    ``defaults``): the scenario's own values."""
    if not draws or source == "defaults":
        return "the scenario's own values (no draws: intervals are the replications' noise)"
    repeats = f" ({distinct} distinct)" if distinct is not None and distinct < draws else ""
    return (f"{draws} draw{'s' * (draws != 1)}{repeats} of "
            f"{WORDS.get(source, f'the file {source}')}")


def t_multiplier(draws: int) -> float:
    """The two-sided 95% Student's t multiplier of an interval over ``draws`` draws' means
    (``draws - 1`` degrees of freedom; :func:`sim.studies.trials.draw_components`)."""
    from scipy.stats import t as student

    return float(student.ppf(0.975, draws - 1))


def few_draws_note(draws: int) -> str:
    """A note when ``draws`` (two or more) make the interval's t multiplier exceed 3 (fewer
    than 5 draws), else nothing."""
    if draws < 2 or (t := t_multiplier(draws)) <= 3:
        return ""
    return (f"few draws: the interval is wide because {draws} draws leave {draws - 1} "
            f"degree{'s' * (draws != 2)} of freedom (t multiplier {t:.1f}, against 2.0 for "
            f"many); give more replications (e.g. 10: 5 draws of 2) or --draws")


MIN_SPLIT_DRAWS = 5
"""The fewest draws a default split uses: 4 degrees of freedom, a t multiplier of 2.8
(2 draws: 12.7)."""


def default_draws(replications: int, available: int | None = None) -> int:
    """The draws a trial of ``replications`` takes unless told: the most, at least
    :data:`MIN_SPLIT_DRAWS`, that divide the replications with at least two replications
    each, so the interval can be split into the replications' noise and the magnitudes'
    (20 replications: 10 draws of 2); when there is none (1 to 9, 11, 13, 14, ...
    replications), one replication a draw: the interval still includes both, unsplit, over
    the most draws the replications allow. At most ``available`` (a file's rows): then the
    most draws dividing the replications."""
    cap = replications if available is None else min(available, replications)
    divisors = [d for d in range(1, cap + 1) if replications % d == 0]
    split = [d for d in divisors if d >= MIN_SPLIT_DRAWS and replications // d >= 2]
    return max(split) if split else max(divisors)



def sample_for_trial(kind: str, replications: int, seed: int, draws: int | None = None,
                     scenario: Scenario | None = None) -> Sample:
    """The sample a trial of ``replications`` uses: ``defaults``, ``prior``, ``posterior``
    or a file; ``draws`` of it (default: :func:`default_draws`), which must divide the
    replications, and be 2 or more unless there is one replication (a single run has no
    interval for the magnitudes' uncertainty to widen). With ``scenario``, every row is
    checked against it first (:meth:`Sample.check`).

    Parameters
    ----------
    kind : str
        ``defaults``, ``prior``, ``posterior`` or the path of a file of draws.
    replications : int
        The trial's replications.
    seed : int
        Seed of the prior's draws.
    draws : int, optional
        Draws to use (default :func:`default_draws`).
    scenario : Scenario, optional
        Check every draw against it.

    Returns
    -------
    Sample
        The draws the replications share out in equal blocks.
    """
    if kind == "defaults":
        if draws not in (None, 1):
            raise DrawsError("draws apply to a sample of magnitudes ('prior', "
                             "'posterior' or a file); 'defaults' has one, the scenario's")
        return defaults()
    source = None if kind == "prior" else posterior() if kind == "posterior" else read_sample(
        kind)
    if source is not None and scenario is not None:
        source = source.check(scenario)
    available = None if source is None else len(source)
    count = draws or default_draws(replications, available)
    if count < 2 and replications > 1:
        what = kind if kind in NAMED else f"file {kind}"
        raise DrawsError(f"one draw of the {what} carries none of the magnitudes' "
                         f"uncertainty: give at least 2 draws ({replications} replications "
                         f"give {default_draws(replications, available)} by default; "
                         f"sim.studies.magnitudes.default_draws)")
    if replications % count:
        raise DrawsError(f"{replications} replications cannot be shared equally among "
                         f"{count} draws of magnitudes: give a number of replications "
                         f"that is a multiple of the draws (e.g. {2 * count})")
    sample = prior(count, seed) if source is None else source.take(count, seed)
    return sample.check(scenario) if source is None and scenario is not None else sample


def central_range(values) -> tuple[float, float]:
    """The central 95% of draws: their 2.5 and 97.5 percentiles."""
    low, high = np.percentile(np.asarray(values, float), [2.5, 97.5])
    return float(low), float(high)


def screening_ranges(kind: str = DEFAULT_MAGNITUDES,
                     assumptions: tuple[Assumption, ...] = ASSUMPTIONS) -> tuple[Assumption, ...]:
    """The range a screening (``lbsim robustness``) moves each assumption across: with
    ``defaults`` or ``prior``, the documented ranges (the prior is uniform over them: the
    assumptions themselves); with ``posterior`` or a file of draws, the central 95% of the
    sample (its 2.5 and 97.5 percentiles), so the screening ranks what is still uncertain
    after the published findings. An assumption the sample does not draw keeps its range."""
    if kind in ("defaults", "prior"):
        return assumptions
    sample = posterior() if kind == "posterior" else read_sample(kind)
    words = WORDS.get(sample.source, f"the file {sample.source}")
    out = []
    for a in assumptions:
        if a.path not in sample.table:
            out.append(a)
            continue
        low, high = central_range(sample.table[a.path])
        if not low < high:
            raise MagnitudesError(f"{sample.source}: {a.path} has no spread (its central 95% "
                                  f"is {low:g} to {high:g}): nothing to screen over; give "
                                  f"--magnitudes defaults for the documented ranges")
        out.append(Assumption(a.path, low, high,
                              f"central 95% of {words}; documented: {a.low:g} to {a.high:g}",
                              a.label))
    return tuple(out)


def screening_words(kind: str = DEFAULT_MAGNITUDES) -> str:
    """The ranges :func:`screening_ranges` gives, in words."""
    if kind in ("defaults", "prior"):
        return ("the documented ranges (sim.studies.robustness.ASSUMPTIONS; --magnitudes "
                + kind + ")")
    return (f"the central 95% (2.5 to 97.5 percentiles) of "
            f"{WORDS.get(kind, f'the file {kind}')}; --magnitudes defaults: the documented "
            f"ranges")
