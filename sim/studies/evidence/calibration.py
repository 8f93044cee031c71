"""The magnitudes inferred from the published findings (docs/evidence.md): the findings,
their targets, the distance and the simulation of a draw, shared by the two inferences.

The shipped posterior is rejection ABC on a reference table of prior draws
(:func:`sim.studies.evidence.sbc.accepted`, the table its simulation-based calibration
checks). ABC-SMC (:func:`calibrate`, below) is kept for comparison: with 150 particles in
13 dimensions its importance weights degenerated (docs/model.md §11).

Approximate Bayesian computation by sequential Monte Carlo (Beaumont et al. 2009; Toni et
al. 2009) with pyabc (Schälte et al. 2022): a maintained ABC-SMC with adaptive distances and
epsilons and multicore, Redis and Dask samplers, so a larger calibration can run on the
cluster the sweeps use. Here it runs on pyabc's single-core sampler, seeded through NumPy's
global generator: the same seed gives the same sample (pyabc's parallel samplers accept
particles in the order they finish, which no seed fixes).

- Prior: independent uniforms over the documented ranges of
:data:`sim.studies.robustness.ASSUMPTIONS`
  (as :func:`sim.studies.magnitudes.prior`).
- Simulation of a particle: every finding of :data:`INFORMS` replayed by
  :func:`sim.studies.evidence.replay.simulate` with :data:`REPLICATIONS` replications (seeds drawn
  from the ABC's generator), its world given only the magnitudes :data:`INFORMS` names.
  The replications are as many as make the simulated figure's spread over seeds about the
  published SE: the simulator then carries the observation noise of the published figure,
  and the ABC posterior approaches the exact one as epsilon shrinks (Wilkinson 2013,
  Stat Appl Genet Mol Biol 12: 129-141). :func:`noise` measures it.
- A nuisance parameter, :data:`DOSE`, turns a design's hours shared into contact; it is
  inferred with the magnitudes and then integrated out (not in the shipped sample).
- Distance: the sum over those findings of ((simulated - published) / SE)^2, SE the
  published 95% interval's width / (2 x 1.96), or :data:`ASSUMED_SE` where none is
  published. :data:`HELD_OUT` findings are left out of it and only checked
  (:func:`predictive`).
- Epsilon: infinite in the first generation (a sample of the prior), then the median of
  the last generation's distances (pyabc's QuantileEpsilon).
- Output: the last generation resampled to equal weights (systematic resampling), one row
  per particle, the columns the assumptions' paths: a file
  :func:`sim.studies.magnitudes.read_sample`
  reads (the shipped ``sim/data/posterior/posterior.csv`` is made by rejection instead).

Not ``lbsim calibrate`` (:mod:`sim.studies.scenario_calibration`): that fits a scenario's SAOM
effects to
observed networks by method of moments; this infers the assumption-marked magnitudes from
published effect sizes and correlations.
"""

from __future__ import annotations

import logging
import tempfile
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

from sim.studies.robustness import ASSUMPTIONS, Assumption

ALL = tuple(a.path for a in ASSUMPTIONS)
CONTACT = "interventions.{group}.magnitudes.contact"

DOSE = Assumption("dose_elasticity", 0.0, 1.0,
                  "assumption: a setting shared h hours a week gives the growth group's "
                  "contact x (h / its hours a session)^elasticity; 1: in proportion to "
                  "the hours, 0: the same whatever the hours", "dose elasticity")
"""How a design's hours shared become contact (sim.studies.evidence.spec.SharedSetting): lbsim's
default is proportional (1); a semester at a shared desk (10 hours a week) is not seven
weekly sessions, and how much more it is, is what this nuisance parameter leaves open."""

FRIENDS = "trait_dynamics.confidence.reciprocated_friends"

INFORMS: dict[str, tuple[str, ...]] = {
    # desk-mates: the setting's pull on ties (X:same_group), its contact and the dose
    "rohrer2021_desk_mates": ("network.effects.X:same_group", CONTACT, DOSE.path),
    # the growth group's trials: every magnitude of the group and of the traits
    "beelmann2006_sst_post": ALL,
    "beelmann2006_sst_follow_up": ALL,
    # support and loneliness in untreated classes: how fast traits follow their targets
    # and how much friends pull confidence up
    "huang2022_support_loneliness": ("trait_dynamics.adjustment", FRIENDS),
}
"""Which magnitudes each finding's simulation receives (the others keep the scenario's
values). s50_yearly_turnover is left out: no assumption-marked magnitude reaches an
untreated class's tie turnover."""

HELD_OUT: dict[str, tuple[str, ...]] = {"demooij2020_sst_post": ALL}
"""Findings checked but not fitted: de Mooij et al. 2020 pool the same kind of training
just after it as Beelmann & Lösel 2006, from overlapping studies; fitting both would count
one body of evidence twice. Its simulation is the same as beelmann2006_sst_post's (the
same trial, the same measure), so it is not an out-of-sample test of the model: it checks
the posterior against a second published value of the same quantity, with a published
interval."""

REPLICATIONS: dict[str, int] = {
    "rohrer2021_desk_mates": 8,
    "beelmann2006_sst_post": 40,
    "beelmann2006_sst_follow_up": 40,
    "demooij2020_sst_post": 40,
    "huang2022_support_loneliness": 12,
}
"""Replications a finding per draw: about as many as made the simulated figure's SD over
seeds the published SE at one draw of the prior (``prior(1, 3)``, measured by
:func:`noise`). The SD depends on the magnitudes (the trials' is several times smaller at
the prior's centre): the posterior's README shows it at the posterior mean; where it is
below the published SE, the ABC tolerance carries the rest of the published figure's
noise."""

ASSUMED_SE = {"beelmann2006_sst_post": 0.04, "beelmann2006_sst_follow_up": 0.04}
"""SE assumed for findings published without an interval: de Mooij et al. 2020's (0.04,
from their 95% CI 0.292-0.447) for the same kind of pooled g."""


@dataclass(frozen=True)
class Target:
    """A finding's published figure and the SE the distance divides by."""

    estimate: float
    se: float
    how: str


def targets(findings, informs: Mapping[str, tuple[str, ...]] = INFORMS) -> dict[str, Target]:
    """The published figure and SE of every finding named in ``informs``."""
    from sim.studies.evidence.replay import Z95, published

    out = {}
    for f in findings.findings:
        if f.id not in informs:
            continue
        est, low, high, _ = published(f.published)
        if low is not None and high is not None:
            out[f.id] = Target(est, (high - low) / (2 * Z95), "95% interval / 3.92")
        elif f.id in ASSUMED_SE:
            out[f.id] = Target(est, ASSUMED_SE[f.id], "assumed (ASSUMED_SE)")
        else:
            raise ValueError(f"finding {f.id!r} has no interval and no assumed SE")
    missing = set(informs) - set(out)
    if missing:
        raise ValueError(f"no finding with id(s) {', '.join(sorted(missing))}")
    return out


def distance(simulated: Mapping[str, float], published: Mapping[str, Target]) -> float:
    """Sum over findings of ((simulated - published) / SE)^2; infinite if any is undefined."""
    d = sum(((simulated[k] - t.estimate) / t.se) ** 2 for k, t in published.items())
    return float(d) if np.isfinite(d) else np.inf


def replay(finding, world, draw: Mapping[str, float], paths: tuple[str, ...]):
    """(replication spec, scenario) of ``finding`` with the draw's ``paths`` applied; a
    shared setting outside the interventions of h hours a week gets contact
    ``contact`` x (h / the group's hours a session)^``dose_elasticity`` a year."""
    from sim.studies.magnitudes import apply
    from sim.world.interventions.growth_group import GrowthGroupSection

    rep = finding.replication
    scenario = apply(world, {p: draw[p] for p in paths if p != DOSE.path})
    setting = getattr(rep, "setting", None)
    if setting is not None and CONTACT in paths and setting.hours_per_week > 0:
        hours = GrowthGroupSection.model_fields["hours_per_session"].default
        elasticity = draw.get(DOSE.path, 1.0) if DOSE.path in paths else 1.0
        per_year = draw[CONTACT] * (setting.hours_per_week / hours) ** elasticity
        rep = rep.model_copy(update={"setting": setting.model_copy(
            update={"contact_per_hour": per_year / setting.hours_per_week})})
    return rep, scenario


def simulate_findings(draw: Mapping[str, float], findings, worlds,
                      replications: int | Mapping[str, int], seed: int,
                      informs: Mapping[str, tuple[str, ...]] = INFORMS) -> dict[str, float]:
    """Each informative finding's simulated figure under a draw of the magnitudes, with
    ``replications`` replications (one number, or one a finding)."""
    from sim.studies.evidence.replay import simulate

    cache: dict = {}
    out = {}
    for f in findings.findings:
        if f.id in informs:
            reps = replications if isinstance(replications, int) else replications[f.id]
            rep, scenario = replay(f, worlds[f.id], draw, informs[f.id])
            out[f.id] = simulate(rep, scenario, reps, seed, cache).estimate
    return out


def noise(draw: Mapping[str, float], seeds: int, replications: Mapping[str, int] = REPLICATIONS,
          informs: Mapping[str, tuple[str, ...]] = INFORMS | HELD_OUT) -> pd.DataFrame:
    """Per finding: the SD over ``seeds`` seeds of its simulated figure under one draw, with
    its replications, beside the published SE (:func:`targets`)."""
    from sim.studies.evidence.spec import load_findings

    findings, worlds = load_findings()
    published = targets(findings, informs)
    values = [simulate_findings(draw, findings, worlds, replications, 7919 * (s + 1), informs)
              for s in range(seeds)]
    return pd.DataFrame([{"finding": k, "replications": replications[k],
                          "simulated_sd": float(np.std([v[k] for v in values], ddof=1)),
                          "published_se": t.se} for k, t in published.items()])


@dataclass(frozen=True)
class Posterior:
    """An ABC-SMC result: the last generation's ``particles`` (one column per parameter)
    with normalised ``weights``, and per generation its epsilon and simulations."""

    particles: pd.DataFrame
    weights: np.ndarray
    generations: pd.DataFrame

    def resampled(self, seed: int) -> pd.DataFrame:
        """Equal-weight rows by systematic resampling (as many as particles)."""
        n = len(self.weights)
        u = (np.random.default_rng(seed).random() + np.arange(n)) / n
        rows = np.minimum(np.searchsorted(np.cumsum(self.weights), u), n - 1)
        return self.particles.iloc[rows].reset_index(drop=True)

    def mean(self) -> pd.Series:
        return (self.particles * self.weights[:, None]).sum()

    def sd(self) -> pd.Series:
        dev = self.particles - self.mean()
        return np.sqrt((dev ** 2 * self.weights[:, None]).sum())


def abc_smc(simulator: Callable[[dict[str, float]], dict[str, float]],
            bounds: Mapping[str, tuple[float, float]], observed: Mapping[str, float],
            dist: Callable[[dict, dict], float], particles: int, generations: int,
            seed: int) -> Posterior:
    """pyabc's ABC-SMC with uniform priors over ``bounds`` (name -> (low, high)), seeded
    on one core. ``simulator`` maps a parameter dict to summary statistics; the
    simulator may draw from NumPy's global generator, which ``seed`` fixes."""
    import pyabc

    for name in ("ABC", "Epsilon", "Distance", "Sampler", "History", "Acceptor"):
        logging.getLogger(f"ABC.{name}" if name != "ABC" else name).setLevel(logging.WARNING)
    names = list(bounds)
    safe = {f"p{k}": n for k, n in enumerate(names)}  # pyabc's database keys
    prior = pyabc.Distribution(**{s: pyabc.RV("uniform", bounds[n][0],
                                              bounds[n][1] - bounds[n][0])
                                  for s, n in safe.items()})

    def model(par):
        return simulator({n: float(par[s]) for s, n in safe.items()})

    np.random.seed(seed % 2**32)
    abc = pyabc.ABCSMC(model, prior, dist, population_size=particles,
                       sampler=pyabc.sampler.SingleCoreSampler(),
                       eps=pyabc.epsilon.QuantileEpsilon(initial_epsilon=np.inf,
                                                         alpha=0.5))
    with tempfile.TemporaryDirectory() as tmp:
        abc.new(f"sqlite:///{Path(tmp) / 'abc.db'}", dict(observed))
        with warnings.catch_warnings():  # pyabc compares the infinite first epsilon
            warnings.simplefilter("ignore", RuntimeWarning)
            history = abc.run(max_nr_populations=generations)
        frame, w = history.get_distribution(m=0, t=history.max_t)
        pops = history.get_all_populations()
    frame = frame.rename(columns=safe)[names].reset_index(drop=True)
    gens = pops[pops["t"] >= 0][["t", "epsilon", "samples"]].reset_index(drop=True)
    return Posterior(frame, np.asarray(w, float) / np.sum(w), gens)


def calibrate(particles: int = 100, generations: int = 3,
              replications: int | Mapping[str, int] = REPLICATIONS, seed: int = 1,
              assumptions: tuple[Assumption, ...] = ASSUMPTIONS + (DOSE,),
              informs: Mapping[str, tuple[str, ...]] = INFORMS) -> Posterior:
    """The posterior of the assumption-marked magnitudes (and :data:`DOSE`) given the
    shipped findings."""
    from sim.studies.evidence.spec import load_findings

    findings, worlds = load_findings()
    published = targets(findings, informs)

    def simulator(draw):
        sim_seed = int(np.random.randint(0, 2**31 - 1))
        return simulate_findings(draw, findings, worlds, replications, sim_seed, informs)

    return abc_smc(simulator, {a.path: (a.low, a.high) for a in assumptions},
                   {k: t.estimate for k, t in published.items()},
                   lambda x, _x0: distance(x, published), particles, generations, seed)


def identifiability(post: Posterior,
                    assumptions: tuple[Assumption, ...] = ASSUMPTIONS + (DOSE,)
                    ) -> pd.DataFrame:
    """Per magnitude: default, prior and posterior mean and SD, and posterior SD / prior SD
    (near 1: the findings say little about it; the prior is uniform, SD range / sqrt 12)."""
    from sim.studies.robustness import group_places
    from sim.world.scenario import load_scenario, value_at

    scenario = load_scenario(Path(str(resources.files("sim") / "scenarios"
                                      / "dafang_yuchong.yaml")))
    dump, group = scenario.model_dump(mode="json"), group_places(scenario)[0]
    mean, sd = post.mean(), post.sd()
    rows = []
    for a in assumptions:
        prior_sd = (a.high - a.low) / np.sqrt(12)
        default = 1.0 if a is DOSE else value_at(dump, a.path.format(group=group))
        rows.append({"magnitude": a.path, "default": default,
                     "low": a.low, "high": a.high, "prior_mean": (a.low + a.high) / 2,
                     "posterior_mean": mean[a.path], "prior_sd": prior_sd,
                     "posterior_sd": sd[a.path], "sd_ratio": sd[a.path] / prior_sd})
    return pd.DataFrame(rows)


def predictive(table: pd.DataFrame, draws: int,
               replications: int | Mapping[str, int] = REPLICATIONS, seed: int = 1,
               informs: Mapping[str, tuple[str, ...]] = INFORMS | HELD_OUT) -> pd.DataFrame:
    """A predictive check of the findings under a sample of the magnitudes (``table``: one
    column per assumption path, a row per draw, e.g. the shipped posterior or the prior):
    ``draws`` rows taken at random (seeded), each finding simulated under each (replication
    seeds ``seed + 1000 k`` for draw k), and per finding the published figure, its SE, the
    median and 95% range (2.5 and 97.5 percentiles) of the simulated figure over the draws,
    and whether the published figure lies in that range."""
    from sim.studies.evidence.spec import load_findings

    findings, worlds = load_findings()
    published = targets(findings, informs)
    rows = np.random.default_rng(seed).choice(len(table), size=draws, replace=False)
    values = [simulate_findings(table.iloc[r].to_dict(), findings, worlds, replications,
                                seed + 1000 * k, informs) for k, r in enumerate(rows)]
    out = []
    for key, t in published.items():
        v = np.array([x[key] for x in values])
        low, mid, high = np.percentile(v, [2.5, 50, 97.5])
        out.append({"finding": key, "published": t.estimate, "published_se": t.se,
                    "median": mid, "low": low, "high": high,
                    "inside": bool(low <= t.estimate <= high), "draws": draws,
                    "fitted": key not in HELD_OUT,
                    "replications": replications if isinstance(replications, int)
                    else replications[key]})
    return pd.DataFrame(out)



@dataclass(frozen=True)
class Shipped:
    """The files scripts/calibrate_evidence.py writes in ``folder``: ``draws``, the
    equal-weight sample (posterior.csv, with the nuisance parameters' columns of
    nuisance.csv beside it when that file is there); ``table``, identifiability.csv;
    ``predictive``, predictive.csv (None before ``--check`` has run)."""

    folder: Path
    draws: pd.DataFrame
    table: pd.DataFrame
    predictive: pd.DataFrame | None


NUISANCE = "nuisance.csv"
"""The nuisance parameters' draws, row for row beside posterior.csv's."""
FIGURE = "prior_posterior.png"
"""The prior and posterior of every magnitude (:func:`prior_posterior`)."""


def read_shipped(folder: str | Path | None = None) -> Shipped:
    """The calibration's files in ``folder`` (default: the shipped sim/data/posterior)."""
    from sim.studies.magnitudes import posterior_path, read_sample

    folder = posterior_path().parent if folder is None else Path(folder)
    draws = read_sample(folder / "posterior.csv").table
    if (folder / NUISANCE).is_file():
        extra = pd.read_csv(folder / NUISANCE)
        if len(extra) != len(draws) or list(extra.columns) != [DOSE.path]:
            raise ValueError(f"{folder / NUISANCE}: expected {len(draws)} rows (as "
                             f"posterior.csv) of one column {DOSE.path}, got {len(extra)} "
                             f"of {', '.join(map(str, extra.columns))}")
        draws = pd.concat([draws, extra.astype(float)], axis=1)
    check = folder / "predictive.csv"
    return Shipped(folder, draws, pd.read_csv(folder / "identifiability.csv"),
                   pd.read_csv(check) if check.is_file() else None)


def inputs_stamp(folder: Path) -> str:
    """SHA-256 of the files the figure is drawn from, stored in the PNG so a test sees
    when they change without the figure."""
    import hashlib

    names = ["posterior.csv", "identifiability.csv"] + (
        [NUISANCE] if (folder / NUISANCE).is_file() else [])
    return "; ".join(f"{n} sha256:{hashlib.sha256((folder / n).read_bytes()).hexdigest()}"
                     for n in names)


def prior_posterior(folder: str | Path | None = None, path: str | Path | None = None):
    """:func:`sim.viz.plots.prior_posterior_figure` of the files in ``folder`` (default: the
    shipped ones), every magnitude of :data:`ASSUMPTIONS` and :data:`DOSE`; written (by
    rename) to ``path``, default ``folder/``:data:`FIGURE`. Returns the figure."""
    import os

    from sim.viz.plots import prior_posterior_figure

    shipped = read_shipped(folder)
    fig = prior_posterior_figure(shipped.table, shipped.draws,
                                 [(a.path, a.name) for a in ASSUMPTIONS + (DOSE,)])
    path = Path(path) if path is not None else shipped.folder / FIGURE
    tmp = path.with_name(path.name + ".tmp")
    fig.savefig(tmp, format="png", dpi=110,
                metadata={"Source": inputs_stamp(shipped.folder)})
    os.replace(tmp, path)
    return fig
