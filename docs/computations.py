"""The computations behind the numbers in lbsim's documents (docs/make_docs.py runs them).

Each :class:`Computation` is a documented command at a stated seed and a function that
returns a flat mapping of named values (numbers or short texts). ``cost`` says how the
drift test (tests/test_docs.py) treats it: ``quick`` ones are re-run by every test run,
``slow`` ones by the slow tests, the ``expensive`` one (the county staffing sweep) only by
``make docs``; the test then checks that the documents show what docs/numbers.json holds.
The answers users read are computed twice at the same seed, with the scenario's magnitudes
(``defaults``) and with draws of the shipped posterior (sim/data/posterior/posterior.csv);
a computation that draws the posterior records its fingerprint
(:func:`posterior_fingerprint`), which the test compares with the shipped file.
"""

from __future__ import annotations

import hashlib
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "scenarios"
EXPERIMENTS = ROOT / "experiments"


@dataclass(frozen=True)
class Computation:
    """A named set of numbers: the command a user types to see them, its seed, its cost
    (quick, slow, expensive) and the function computing them."""

    name: str
    command: str
    seed: int
    cost: str
    run: Callable[[], dict]


def _scenario(name: str, **overrides):
    from sim.world.scenario import load_scenario

    scenario = load_scenario(SCENARIOS / name)
    return scenario.override(overrides) if overrides else scenario


# -- the county and its staffing ------------------------------------------------------------

def county() -> dict:
    """Dafang County as scenarios/dafang_county.yaml draws it at its seed, and the plans of
    experiments/dafang_staffing.yaml (``doses``: the worker counts above none), and the
    replications of experiments/dafang_staffing_posterior.yaml."""
    from sim.studies.sweep.spec import load_spec

    scenario = _scenario("dafang_county.yaml")
    pop = scenario.draw_population(np.random.default_rng(scenario.seed))
    spec, _ = load_spec(EXPERIMENTS / "dafang_staffing.yaml")
    posterior_spec, _ = load_spec(EXPERIMENTS / "dafang_staffing_posterior.yaml")
    workers = spec.parameters["interventions.0.workers"].values
    plans = int(np.prod([len(p.values) for p in spec.parameters.values()]))
    return {"pupils": int(pop.n_children), "schools": int(len(np.unique(pop.school))),
            "classes_per_school": scenario.population.classes_per_school,
            "lb_share": float(scenario.population.left_behind_share),
            "plans": plans, "replications": spec.replications, "seed": spec.seed,
            "workers_list": ", ".join(str(w) for w in workers[:-1]) + f" or {workers[-1]}",
            "doses": ", ".join(str(w) for w in workers[1:-1]) + f" and {workers[-1]}",
            "third_dose": int(workers[3]),
            "posterior_replications": posterior_spec.replications}


def staffing() -> dict:
    """experiments/dafang_staffing.yaml (the scenario's magnitudes) swept and reported:
    isolates avoided per plan (:func:`staffing_values`); and its headline plan swept again
    with the posterior's draws of the magnitudes, experiments/dafang_staffing_posterior.yaml
    (:func:`posterior_staffing_values`)."""
    defaults = _swept(EXPERIMENTS / "dafang_staffing.yaml")
    posterior = _swept(EXPERIMENTS / "dafang_staffing_posterior.yaml")
    values = staffing_values(defaults)
    drawn = posterior_staffing_values(posterior, defaults)
    return {**values, **drawn, **posterior_ratios(drawn, values), **posterior_fingerprint()}


def _swept(spec: Path):
    """A sweep spec run (two workers) and reported: its plan table."""
    from sim.studies.sweep.report import plan_table
    from sim.studies.sweep.sweep import run_sweep

    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / spec.stem
        run_sweep(spec, out, workers=2)
        return plan_table(out)


def posterior_fingerprint(path: Path | None = None) -> dict:
    """The posterior sample a computation used (default: the shipped one,
    sim/data/posterior/posterior.csv): the first 16 hex digits of its SHA-256 and its
    number of draws, so that a test notices numbers made with another posterior."""
    from sim.studies.magnitudes import posterior_path, read_sample

    path = posterior_path() if path is None else path
    return {"posterior.sha256": hashlib.sha256(path.read_bytes()).hexdigest()[:16],
            "posterior.draws": len(read_sample(path))}


PLANS = {"best": ("most_lbc", "one_per_school"), "shared": ("most_lbc", "shared"),
         "random": ("random", "one_per_school"), "random_shared": ("random", "shared")}
"""Short names of the staffing plans: (targeting, placement)."""


def staffing_values(table) -> dict:
    """The report's left-behind isolates rows as named values, per plan (:data:`PLANS`),
    dose and time (end, follow_up): ``PLAN.DOSE.TIME`` "avoided [low, high]",
    ``.avoided``, ``.cost`` (yuan per isolate avoided, to the hundred) and ``.cost_ci``;
    ``control_isolates``; the share of the gain kept at follow-up (``kept_low``,
    ``kept_high``) and which placement avoids more at each dose (``ranking``)."""
    rows = table[table["outcome"] == "isolates_lb"]
    plans = {v: k for k, v in PLANS.items()}
    values, avoided = {}, {}
    for r in rows.to_dict("records"):
        plan = plans[(r["interventions.0.targeting"], r["interventions.0.placement"])]
        dose = int(r["interventions.0.workers"])
        key = f"{plan}.{dose}.{r['time']}"
        avoided[key] = r["isolates_avoided"]
        values.update(_avoided_values(key, r))
    control = rows[(rows["interventions.0.workers"] == 0) & (rows["time"] == "end")]
    values["control_isolates"] = float(control["mean"].mean())
    doses = sorted({int(d) for d in rows["interventions.0.workers"]})[1:]
    kept = [avoided[f"best.{d}.follow_up"] / avoided[f"best.{d}.end"] for d in doses]
    values["kept_low"], values["kept_high"] = float(min(kept)), float(max(kept))
    values["ranking"] = ranking(avoided, doses[:-1])
    return values


def _avoided_values(key: str, r: dict) -> dict:
    """A plan's left-behind isolates row (:func:`sim.studies.sweep.report.plan_table`) as values
    named ``KEY``: "avoided [low, high]", ``.avoided``, ``.excludes_0`` ("yes" when the
    interval of isolates avoided excludes 0), ``.cost`` and ``.cost_ci`` (yuan per isolate
    avoided and its interval, to the hundred; only there) and ``.cost_text`` (the cost
    with its interval, or why there is none)."""
    values = {key: f"{r['isolates_avoided']:,.0f} [{-r['diff_high']:,.0f}, "
                   f"{-r['diff_low']:,.0f}]",
              f"{key}.avoided": float(r["isolates_avoided"]),
              f"{key}.excludes_0": "yes" if r["diff_high"] < 0 or r["diff_low"] > 0 else "no",
              f"{key}.cost_text": NOT_ESTIMABLE}
    if r["cost_per_isolate_avoided"] == r["cost_per_isolate_avoided"]:
        values[f"{key}.cost"] = f"{round(r['cost_per_isolate_avoided'], -2):,.0f}"
        values[f"{key}.cost_ci"] = (f"{round(r['cpia_low'], -2):,.0f}-"
                                    f"{round(r['cpia_high'], -2):,.0f}")
        values[f"{key}.cost_text"] = f"{values[f'{key}.cost']} [{values[f'{key}.cost_ci']}]"
    return values


NOT_ESTIMABLE = "not estimable: interval includes 0"
"""What `lbsim report` prints for a cost per isolate avoided whose plan's interval of
isolates avoided includes 0."""


def posterior_staffing_values(table, defaults) -> dict:
    """The posterior sweep's plans (one worker per school, schools with most left-behind
    children first) as :func:`_avoided_values` named ``posterior.best.DOSE.TIME``, with
    ``.share`` (the part of the interval's variance from the magnitudes);
    ``posterior.sweep_draws``; and ``posterior.turns``, a sentence saying where the posterior
    turns the conclusion of ``defaults`` (the scenario's sweep's plan table)."""
    rows = table[(table["outcome"] == "isolates_lb") & (table["interventions.0.workers"] > 0)]
    base = defaults[defaults["outcome"] == "isolates_lb"]
    values = {"posterior.sweep_draws": int(table.attrs["magnitude_draws"])}
    lost, gained = [], []
    for r in rows.to_dict("records"):
        assert (r["interventions.0.targeting"], r["interventions.0.placement"]) == PLANS["best"]
        dose = int(r["interventions.0.workers"])
        key = f"posterior.best.{dose}.{r['time']}"
        values.update(_avoided_values(key, r))
        values[f"{key}.share"] = float(r["diff_magnitudes_share"])
        same = base[(base["interventions.0.workers"] == dose) & (base["time"] == r["time"])
                    & (base["interventions.0.targeting"] == PLANS["best"][0])
                    & (base["interventions.0.placement"] == PLANS["best"][1])].iloc[0]
        before, now = same["diff_high"] < 0, r["diff_high"] < 0
        label = f"{dose} workers {TIME_WORDS[r['time']]}"
        (lost if before and not now else gained if now and not before else []).append(label)
    values["posterior.turns"] = turns_sentence(lost, gained)
    return values


def posterior_ratios(posterior: dict, defaults: dict) -> dict:
    """The posterior's isolates avoided at the end of the year as a share of the defaults',
    lowest and highest over the doses (``posterior.ratio_low``, ``posterior.ratio_high``)."""
    ratios = [v / defaults[k.removeprefix("posterior.")] for k, v in posterior.items()
              if k.startswith("posterior.best.") and k.endswith(".end.avoided")]
    return {"posterior.ratio_low": float(min(ratios)), "posterior.ratio_high": float(max(ratios))}


TIME_WORDS = {"end": "at the end of the year", "follow_up": "at follow-up"}


def turns_sentence(lost: list[str], gained: list[str]) -> str:
    """Where the posterior's intervals of isolates avoided turn the defaults' conclusion."""
    if not lost and not gained:
        return ("the posterior turns no conclusion: the same plans avoid isolates with an "
                "interval that excludes 0 (and so have a cost per isolate avoided) as with "
                "the defaults")
    parts = []
    if lost:
        parts.append(f"with the posterior the interval of isolates avoided includes 0 for "
                     f"{_listed(lost)}, whose cost per isolate avoided is therefore not "
                     f"estimable (with the defaults it is)")
    if gained:
        parts.append(f"with the posterior the interval excludes 0 for {_listed(gained)} "
                     f"(with the defaults it does not)")
    return "; ".join(parts)


def _listed(items: list[str]) -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


def ranking(avoided: dict, doses: list[int]) -> str:
    """Which placement avoids more isolates at the end of the year, dose by dose."""
    one = [d for d in doses if avoided[f"best.{d}.end"] > avoided[f"shared.{d}.end"]]
    if len(one) == len(doses):
        return "one worker per school avoids more than shared workers at every dose"
    if not one:
        return "shared workers avoid at least as many as one worker per school at every dose"
    return (f"one worker per school avoids more than shared workers with "
            f"{', '.join(map(str, one))} workers, not with the others")


# -- virtual trials and robustness ----------------------------------------------------------

TRIAL_REPLICATIONS = 40


@cache
def _trial(scenario_file: str, magnitudes: str, overrides: tuple = ()):
    """``lbsim compare SCENARIO --replications 40 --magnitudes MAGNITUDES`` (the scenario's
    seed; the posterior: its default draws, 20 of 2): the effect-size table.
    Cached, so that the defaults' and the posterior's computations share a run."""
    from sim.studies.magnitudes import sample_for_trial
    from sim.studies.trials import virtual_trial

    scenario = _scenario(scenario_file, **dict(overrides))
    sample = sample_for_trial(magnitudes, TRIAL_REPLICATIONS, scenario.seed)
    return virtual_trial(scenario, TRIAL_REPLICATIONS, magnitudes=sample).to_frame()


def _trial_values(table) -> dict:
    """Per outcome and time (post, follow_up): "g [low, high]", ``.g``, ``.excludes_0``
    ("yes"/"no") and, with drawn magnitudes, ``.share`` (of the interval's variance)."""
    values = {}
    for r in table[table["time"] != "pre"].itertuples():
        key = f"{r.outcome}.{r.time}"
        values[f"{key}.g"] = float(r.g)
        values[key] = f"{r.g:.2f} [{r.ci_low:.2f}, {r.ci_high:.2f}]"
        values[f"{key}.excludes_0"] = "yes" if r.ci_low > 0 or r.ci_high < 0 else "no"
        if "magnitudes_share" in table:
            values[f"{key}.share"] = float(r.magnitudes_share)
    return values


TRIAL_ANSWERS = {"dafang_yuchong.yaml": (
    ("confidence", "post", "confidence right after"),
    ("confidence", "follow_up", "confidence at follow-up"),
    ("felt_stigma", "post", "felt stigma right after"),
    ("named_members", "post", "members naming each other"),
    ("in_degree", "post", "in-degree right after"),
    ("isolated", "post", "isolation right after")),
    "shanxi_l_village.yaml": (
    ("in_degree", "post", "in-degree right after"),
    ("in_degree", "follow_up", "in-degree at follow-up"),
    ("isolated", "post", "isolation right after"),
    ("isolated", "follow_up", "isolation at follow-up"),
    ("named_by_non_members", "post", "nominations from non-members"))}
"""The answers docs/researcher.md shows side by side: (outcome, time, words)."""


def _posterior_trial_values(scenario_file: str) -> dict:
    """The trial with the posterior's draws (:func:`_trial_values`, ``draws``), the
    posterior's fingerprint and ``turns``: where, among :data:`TRIAL_ANSWERS`, an interval
    excludes 0 with one magnitudes and not with the other."""
    table = _trial(scenario_file, "posterior")
    values = {**_trial_values(table), "draws": int(table["draws"].max()),
              **posterior_fingerprint()}
    defaults = _trial_values(_trial(scenario_file, "defaults"))
    lost, gained = [], []
    for outcome, time, words in TRIAL_ANSWERS[scenario_file]:
        key = f"{outcome}.{time}.excludes_0"
        if defaults[key] != values[key]:
            (lost if defaults[key] == "yes" else gained).append(words)
    parts = [f"with the posterior the interval includes 0 for {_listed(lost)} (with the "
             f"defaults it excludes 0)"] if lost else []
    if gained:
        parts.append(f"with the posterior the interval excludes 0 for {_listed(gained)} "
                     f"(with the defaults it includes 0)")
    values["turns"] = "; ".join(parts) or ("no conclusion turns: each interval in the table "
                                           "excludes 0 with the posterior exactly where it "
                                           "does with the defaults")
    return values


def trial_dafang() -> dict:
    return _trial_values(_trial("dafang_yuchong.yaml", "defaults"))


def trial_dafang_posterior() -> dict:
    return _posterior_trial_values("dafang_yuchong.yaml")


def trial_lvillage() -> dict:
    return _trial_values(_trial("shanxi_l_village.yaml", "defaults"))


def trial_lvillage_posterior() -> dict:
    return _posterior_trial_values("shanxi_l_village.yaml")


def trial_no_contact() -> dict:
    return _trial_values(_trial("dafang_yuchong.yaml", "defaults",
                                (("interventions.0.magnitudes.contact", 0.0),)))


NETWORK_OUTCOMES = ("in_degree", "isolated", "named_members")


def robustness() -> dict:
    """Morris mu* of every assumption over its documented range (``lbsim robustness
    --magnitudes defaults``) for every outcome and time (keys: the magnitude's last path
    part), each outcome's four largest (``ranking``) and the largest for the
    network outcomes (``network_first``)."""
    from sim.studies.robustness import robustness as morris

    table = morris(_scenario("dafang_yuchong.yaml")).to_frame()
    values = {}
    for r in table.itertuples():
        name = r.parameter.split(".")[-1]
        values[f"{r.outcome}.{r.time}.{name}"] = float(r.mu_star)
    for (outcome, time), part in table.groupby(["outcome", "time"]):
        ranked = part.sort_values("mu_star", ascending=False)
        names = ranked["parameter"].str.split(".").str[-1].tolist()
        values[f"{outcome}.{time}.top1"] = names[0]
        values[f"{outcome}.{time}.ranking"] = ", ".join(
            f"{n} {m:.2f}" for n, m in zip(names[:4], ranked["mu_star"], strict=False))
    firsts = {(o, t): values[f"{o}.{t}.top1"] for o in NETWORK_OUTCOMES
              for t in ("post", "follow_up")}
    if len(set(firsts.values())) == 1:
        values["network_first"] = (f"`{next(iter(firsts.values()))}` ranks first for every "
                                   f"network outcome (in-degree, isolation, nominations among "
                                   f"members; post and follow-up)")
    else:
        values["network_first"] = "the first-ranked magnitude differs: " + "; ".join(
            f"{o.replace('_', ' ')} ({t.replace('_', '-')}): `{n}`"
            for (o, t), n in firsts.items())
    return values


# -- default classes --------------------------------------------------------------------------

def _classes_year(seed: int, overrides: dict | None = None):
    """30 default classes of 45 over a school year: the population rows and the Jaccard
    index of the ties at week 0 and at the end."""
    from sim.world.model import PeerNetworkModel
    from sim.world.scenario import parse_scenario

    config = parse_scenario({"name": "realism", "population": {
        "schools": 1, "classes_per_school": 30, "class_size": {"mean": 45, "sd": 0}}})
    if overrides:
        config = config.override(overrides)
    model = PeerNetworkModel(config, seed=seed)
    pop = model.population
    start = [pop.network(c).copy() for c in range(pop.n_classes)]
    rows = model.run()
    end = [pop.network(c) for c in range(pop.n_classes)]
    both = sum(int((a & b).sum()) for a, b in zip(start, end, strict=True))
    either = sum(int((a | b).sum()) for a, b in zip(start, end, strict=True))
    return rows[rows["class"] == -1], both / either


DEFAULT_SEEDS = (1, 2, 3, 4)


def default_classes() -> dict:
    """Ranges over four seeds of 30 default classes of 45 in a school year."""
    per_seed = [_classes_year(s) for s in DEFAULT_SEEDS]
    stats = {"density": [], "degree": [], "reciprocity": [], "trans_start": [],
             "trans_end": [], "no_ties": [], "jaccard": []}
    for rows, jaccard in per_seed:
        stats["density"].append(rows["density"].mean())
        stats["degree"].append(rows["mean_degree"].mean())
        stats["reciprocity"].append(rows["reciprocity"].mean())
        trans = rows["transitivity"].dropna()
        stats["trans_start"].append(trans.iloc[0])
        stats["trans_end"].append(trans.iloc[-1])
        stats["no_ties"].append(rows["isolates_total_share"].mean())
        stats["jaccard"].append(jaccard)
    values = {}
    for k, v in stats.items():
        values[f"{k}.min"], values[f"{k}.max"] = float(min(v)), float(max(v))
        values[f"{k}.mean"] = float(np.mean(v))
    return values


def damping() -> dict:
    """30 classes of 45, seed 1: without inPopSqrt, without outActSqrt; and the default
    after burn-ins of 5 to 40 years (the year's first week)."""
    values = {}
    for effect in ("inPopSqrt", "outActSqrt"):
        rows, _ = _classes_year(1, {f"network.effects.{effect}": 0.0})
        last = rows.iloc[-1]
        values[f"without_{effect}.density"] = float(last["density"])
        values[f"without_{effect}.degree"] = float(last["mean_degree"])
        values[f"without_{effect}.transitivity"] = float(rows["transitivity"].dropna().iloc[-1])
    for trans in (0.5, 0.7):
        rows, _ = _classes_year(1, {"network.effects.transTrip": trans})
        values[f"transTrip_{trans}.transitivity"] = float(rows["transitivity"].dropna().iloc[-1])
    rows, _ = _classes_year(1)
    values["burn_in_7.end_transitivity"] = float(rows["transitivity"].dropna().iloc[-1])
    for years in BURN_INS:
        rows, _ = _classes_year(1, {"network.burn_in_years": years, "weeks": 1})
        first = rows.iloc[0]
        values[f"burn_in_{years}.transitivity"] = float(first["transitivity"])
        values[f"burn_in_{years}.density"] = float(first["density"])
    # the text's reading: each damping effect is needed, and longer burn-ins keep closing
    for effect in ("inPopSqrt", "outActSqrt"):
        assert values[f"without_{effect}.density"] > 1.5 * values["burn_in_7.density"], values
    assert values[f"burn_in_{BURN_INS[-1]}.transitivity"] > values["burn_in_7.transitivity"]
    return values


BURN_INS = (5, 7, 9, 20, 40)


# -- estimation and goodness of fit -----------------------------------------------------------

S50_EFFECTS = "density,recip,transTrip,inPopSqrt,altX:alcohol,egoX:alcohol,simX:alcohol"
COEVOLUTION = "density,recip,transTrip,egoX:drink,altX:drink,simX:drink"


def _estimate(data: str, effects: str, covariates=(), behaviours=(), behaviour_effects=(),
              conditional=False, seed=1):
    """What ``lbsim estimate --data DATA --effects EFFECTS ...`` fits."""
    from sim.io.waves import read_behaviours, read_waves
    from sim.saom import ClassData, Model, estimate

    nets, covs = read_waves(None, data, list(covariates))
    behs, beh_effects = read_behaviours(list(behaviours), list(behaviour_effects), data,
                                        len(nets))
    return estimate(ClassData(nets, covariates=covs, behaviours=behs),
                    Model(effects.split(","), behaviour_effects=beh_effects),
                    conditional=conditional, seed=seed)


def _fit_values(est) -> dict:
    values = {}
    for name, v, s in zip(est.names, est.theta, est.se, strict=True):
        key = str(name).replace(" ", "")
        values[key], values[f"{key}.se"] = float(v), float(s)
    values["max_t"] = float(np.abs(est.t_ratios).max())
    values["max_ratio"] = float(est.max_ratio)
    return values


def estimate_s50() -> dict:
    return _fit_values(_estimate("s50", S50_EFFECTS, covariates=["alcohol:1"]))


def estimate_s50_drink() -> dict:
    return _fit_values(_estimate("s50", COEVOLUTION, behaviours=["drink=alcohol"],
                                 behaviour_effects=["drink=linear,quad,avAlt"]))


def estimate_s50_conditional() -> dict:
    return _fit_values(_estimate("s50", S50_EFFECTS, covariates=["alcohol:1"],
                                 conditional=True))


def estimate_vdbunt() -> dict:
    return _fit_values(_estimate("vdbunt", "density,recip"))


def estimate_baerveldt() -> dict:
    """The four Baerveldt classes: separately and pooled (siena08), and one common fit."""
    from sim.io.waves import read_groups
    from sim.saom import ClassData, Data, Model, estimate

    names, classes, covs = read_groups("baerveldt")
    data = Data([ClassData(w, covariates=c, name=k)
                 for k, w, c in zip(names, classes, covs, strict=True)])
    model = Model(["density", "recip", "transTrip"])
    meta = estimate(data, model, seed=1, separately=True)
    values = {}
    for parameter, r in zip(meta.parameters, meta.pooled, strict=True):
        for col in ("mu", "se", "tau", "mu_ml", "mu_low", "mu_high", "sigma_ml",
                    "sigma_low", "sigma_high", "p_heterogeneity"):
            values[f"{parameter}.{col}"] = float(getattr(r, col))
    common = estimate(data, model, seed=1)
    for name, v in common.as_dict().items():
        if not name.is_rate:
            values[f"common.{name}"] = float(v)
    return values


def gof_s50() -> dict:
    """``lbsim gof`` of the s50 model: p of each statistic per period and jointly."""
    from sim.io.waves import read_waves
    from sim.studies.gof_report import check_fit

    nets, covs = read_waves(None, "s50", ["alcohol:1"])
    rows = check_fit(nets, S50_EFFECTS.split(","), ["indegree", "outdegree", "triads",
                                                    "geodesic"], covariates=covs, runs=1000,
                     seed=1)
    values = {f"{name}.{period}": float(t.p) for name, period, t in rows}
    joint = {name: t.p for name, period, t in rows if period == "joint"}
    values["fit"] = " and ".join(GOF_NAMES[n] for n in joint if joint[n] >= 0.05) or "none"
    values["misfit"] = " and ".join(GOF_NAMES[n] for n in joint if joint[n] < 0.05) or "none"
    last = next(t for name, period, t in rows if name == "geodesic" and period == "2")
    values["unconnected.observed"] = int(last.observed[-1])
    values["unconnected.simulated"] = float(np.mean(last.simulated[:, -1]))
    return values


GOF_NAMES = {"indegree": "in-degree distribution", "outdegree": "out-degree distribution",
             "triads": "triad census", "geodesic": "geodesic distances"}


def gof_classroom() -> dict:
    """``lbsim gof --data s50 --scenario scenarios/single_class.yaml``: p per wave."""
    from sim.io.waves import read_waves
    from sim.studies.gof_report import scenario_fit

    nets, _ = read_waves(None, "s50", [])
    rows = scenario_fit(_scenario("single_class.yaml"), nets, ["indegree", "outdegree",
                                                              "triads", "geodesic"],
                        classes=1000, seed=1)
    values = {f"{name}.{period.replace(' ', '')}": float(t.p) for name, period, t in rows}
    passed = {name: sum(t.p >= 0.05 for n, _, t in rows if n == name) for name, _, _ in rows}
    values["fit_degrees"] = int(passed["indegree"] + passed["outdegree"])
    values["fit_structure"] = int(passed["triads"] + passed["geodesic"])
    # the text's reading: degrees fit more often than triads and distances
    assert values["fit_degrees"] > values["fit_structure"], values
    return values


TIME_SCALE_EFFECTS = ["density", "recip", "transTrip", "inPopSqrt", "simX:alcohol"]
ENDOWMENT = ["density[endow]", "recip[endow]"]
TIME_SCALE_RATES = (13.0, 26.0)
TERM_WEEKS, YEAR_WEEKS = 10, 40


def _jaccard(a: np.ndarray, b: np.ndarray) -> float:
    return float((a & b).sum() / (a | b).sum())


def time_scales() -> dict:
    """s50's yearly waves fitted with the rate free or fixed (endowment effects absorbing
    tie persistence); each fit's Jaccard index between wave 1 and its simulated network
    10 and 40 school weeks later (mean over runs); and the rates that three-monthly waves
    simulated from the fit (10 school weeks apart, three data sets) give when fitted again."""
    from sim.io.waves import read_waves
    from sim.saom import ClassData, Model, Start, estimate, simulate_periods

    waves, covs = read_waves(None, "s50", ["alcohol:1"])
    x0 = waves[0].astype(np.int8)
    s50 = ClassData(waves, covariates=covs)
    fits = {"free": estimate(s50, Model(TIME_SCALE_EFFECTS), seed=1)}
    for rate in TIME_SCALE_RATES:
        fits[f"{rate:g}"] = estimate(s50, Model(TIME_SCALE_EFFECTS[:1] + ENDOWMENT[:1]
                                                + TIME_SCALE_EFFECTS[1:2] + ENDOWMENT[1:]
                                                + TIME_SCALE_EFFECTS[2:],
                                                rates=[rate, rate],
                                                fixed=["rate 1", "rate 2"]), seed=1)
    values = {}
    for label, fit in fits.items():
        theta = fit.as_dict()
        for name, v, s in zip(fit.names, fit.theta, fit.se, strict=True):
            key = str(name).replace(" ", "")
            values[f"{label}.{key}"], values[f"{label}.{key}.se"] = float(v), float(s)
        values[f"{label}.max_ratio"] = float(fit.max_ratio)
        rate = theta["rate 1"]
        effects = {str(k): v for k, v in theta.items() if not k.is_rate}
        for weeks in (TERM_WEEKS, YEAR_WEEKS):
            sims = simulate_periods(Start(x0, covariates=covs), effects,
                                    rate=rate * weeks / YEAR_WEEKS, runs=200, seed=1).networks
            values[f"{label}.jaccard{weeks}"] = float(np.mean(
                [_jaccard(x0 == 1, s == 1) for s in sims]))
        refits = []
        for data_set in range(3):
            sims = [x0]
            for period in range(2):
                sims.append(simulate_periods(Start(sims[-1], covariates=covs), effects,
                                             rate=rate * TERM_WEEKS / YEAR_WEEKS, runs=1,
                                             seed=100 * data_set + period).networks[0])
            refit = estimate(ClassData(sims, covariates=covs), Model(TIME_SCALE_EFFECTS),
                             seed=1)
            refits += [refit.theta[0], refit.theta[1]]
        values[f"{label}.refit_low"], values[f"{label}.refit_high"] = (
            float(min(refits)), float(max(refits)))
    observed = [_jaccard(a == 1, b == 1) for a, b in zip(waves[:-1], waves[1:], strict=True)]
    values["observed_jaccard_low"], values["observed_jaccard_high"] = (
        float(min(observed)), float(max(observed)))
    values["jaccard40_low"] = min(v for k, v in values.items() if k.endswith("jaccard40"))
    values["jaccard40_high"] = max(v for k, v in values.items() if k.endswith("jaccard40"))
    values["refit_low"] = min(v for k, v in values.items() if k.endswith(".refit_low"))
    values["refit_high"] = max(v for k, v in values.items() if k.endswith(".refit_high"))
    # the text's reading: far fewer changes per three months than klas12b's 7.7-8.8
    assert values["refit_high"] < 7.7 / 2, values
    values["ratio_low"] = min(v for k, v in values.items() if k.endswith("max_ratio"))
    values["ratio_high"] = max(v for k, v in values.items() if k.endswith("max_ratio"))
    return values


AFTER = ("lbsim estimate --data s50 --behaviour drink=alcohol --effects "
         f"{COEVOLUTION} --behaviour-effects drink=linear,quad,avAlt --fix inPop --seed 1 "
         "--out out/s50-drink")


def after_estimate() -> dict:
    """The tools that follow an estimate (docs/researcher.md, "After the estimate"), on
    :data:`AFTER`'s fit: the score-type test of inPop, a Wald test, the time test, the
    influence and selection tables of drink, relative importance; and s50's network
    model fitted with and without the nomination cap of 5."""
    import sim.data
    from sim.saom import (
        ClassData,
        Model,
        estimate,
        influence_table,
        relative_importance,
        same_test,
        score_test,
        selection_table,
        time_test,
        wald_test,
    )

    s50 = sim.data.load("s50")
    data = ClassData(s50.waves, behaviours={"drink": s50.covariates["alcohol"]})
    model = Model({**dict.fromkeys(COEVOLUTION.split(",")), "inPop": 0.0}, fixed=["inPop"],
                  behaviour_effects={"drink": ["linear", "quad", "avAlt"]})
    fit = estimate(data, model, seed=1)
    values: dict = {"max_ratio": float(fit.max_ratio), "avAlt": fit["drink: avAlt"],
                    "avAlt.se": float(fit.se[fit.index("drink: avAlt")])}
    score = score_test(fit)
    names = list(map(str, score.names))
    values |= {"score.chi2": score.chi2, "score.p": score.p,
               "score.one_sided": float(score.one_sided[0]),
               "score.one_step": float(score.one_step[names.index("inPop")])}
    direction = "fewer" if score.one_sided[0] < 0 else "more"
    values["score.reading"] = (
        f"popular actors attract {direction} new friends than the other effects imply, "
        + ("and the effect belongs in the model" if score.p < 0.05 else
           "but not clearly (p >= 0.05): the effect may stay out"))
    wald = wald_test(fit, ["egoX:drink", "altX:drink"])
    same = same_test(fit, "egoX:drink", "altX:drink")
    values |= {"wald.chi2": wald.chi2, "wald.p": wald.p, "same.chi2": same.chi2,
               "same.p": same.p}
    time = time_test(fit)
    values |= {"time.chi2": time.joint_chi2, "time.df": time.df, "time.p": time.joint_p}
    influence = influence_table(fit, data, "drink")
    low, high = influence.ego.index(1.0), influence.ego.index(5.0)
    values |= {"influence.5_5": float(influence.values[high, high]),
               "influence.5_1": float(influence.values[high, low]),
               "influence.1_1": float(influence.values[low, low]),
               "influence.1_5": float(influence.values[low, high])}
    selection = selection_table(fit, data, "drink")
    values |= {"selection.1_1": float(selection.values[low, low]),
               "selection.1_5": float(selection.values[low, high])}
    importance = relative_importance(fit, data)
    for k, effect in enumerate(importance.effects):
        values[f"importance.{effect}"] = float(importance.expected[0, k])
    network = ClassData(s50.waves)
    for cap in (None, 5):
        capped = estimate(network, Model(["density", "recip", "transTrip"],
                                         max_outdegree=cap), seed=1)
        for name in ("density", "transTrip"):
            values[f"cap{cap or 0}.{name}"] = capped[name]
            values[f"cap{cap or 0}.{name}.se"] = float(capped.se[capped.index(name)])
    return values


COMPUTATIONS = {c.name: c for c in (
    Computation("county", "scenarios/dafang_county.yaml, experiments/dafang_staffing.yaml",
                2021, "quick", county),
    Computation("staffing", "lbsim sweep experiments/dafang_staffing.yaml --out out/staffing "
                "--workers 2 && lbsim report out/staffing; the same with "
                "experiments/dafang_staffing_posterior.yaml (magnitudes: posterior)", 2021,
                "expensive", staffing),
    Computation("trial_dafang", "lbsim compare scenarios/dafang_yuchong.yaml "
                "--replications 40 --magnitudes defaults", 1, "slow", trial_dafang),
    Computation("trial_dafang_posterior", "lbsim compare scenarios/dafang_yuchong.yaml "
                "--replications 40 --magnitudes posterior", 1, "slow",
                trial_dafang_posterior),
    Computation("trial_lvillage", "lbsim compare scenarios/shanxi_l_village.yaml "
                "--replications 40 --magnitudes defaults", 1, "slow", trial_lvillage),
    Computation("trial_lvillage_posterior", "lbsim compare scenarios/shanxi_l_village.yaml "
                "--replications 40 --magnitudes posterior", 1, "slow",
                trial_lvillage_posterior),
    Computation("trial_no_contact", "lbsim compare scenarios/dafang_yuchong.yaml "
                "--replications 40 --magnitudes defaults with "
                "interventions.0.magnitudes.contact: 0", 1, "slow", trial_no_contact),
    Computation("robustness", "lbsim robustness scenarios/dafang_yuchong.yaml "
                "--magnitudes defaults", 1, "slow", robustness),
    Computation("default_classes", "30 default classes of 45 (docs/computations.py, "
                "default_classes), a school year", 1, "quick", default_classes),
    Computation("damping", "30 default classes of 45 without a damping effect, or after "
                "another burn-in (docs/computations.py, damping)", 1, "quick", damping),
    Computation("time_scales", "s50 fitted with the rate free and fixed at 13 and 26 a year "
                "(docs/computations.py, time_scales)", 1, "slow", time_scales),
    Computation("estimate_s50", f"lbsim estimate --data s50 --covariate alcohol:1 --effects "
                f"{S50_EFFECTS} --seed 1", 1, "slow", estimate_s50),
    Computation("estimate_s50_drink", f"lbsim estimate --data s50 --effects {COEVOLUTION} "
                "--behaviour drink=alcohol --behaviour-effects drink=linear,quad,avAlt "
                "--seed 1", 1, "slow", estimate_s50_drink),
    Computation("estimate_s50_conditional", f"lbsim estimate --data s50 --covariate "
                f"alcohol:1 --effects {S50_EFFECTS} --conditional --seed 1", 1, "slow",
                estimate_s50_conditional),
    Computation("estimate_vdbunt", "lbsim estimate --data vdbunt --effects density,recip "
                "--seed 1", 1, "quick", estimate_vdbunt),
    Computation("estimate_baerveldt", "lbsim estimate --data baerveldt --effects "
                "density,recip,transTrip [--separately] --seed 1", 1, "slow",
                estimate_baerveldt),
    Computation("gof_s50", f"lbsim gof --data s50 --covariate alcohol:1 --effects "
                f"{S50_EFFECTS} --runs 1000 --seed 1", 1, "slow", gof_s50),
    Computation("after_estimate", f"{AFTER}; lbsim score-test, wald, time-test, "
                "influence-table, selection-table, importance --fit out/s50-drink; lbsim "
                "estimate --data s50 [--max-degree 5]", 1, "slow", after_estimate),
    Computation("gof_classroom", "lbsim gof --data s50 --scenario scenarios/single_class.yaml "
                "--runs 1000 --seed 1", 1, "slow", gof_classroom),
)}
"""Every computation by name."""


# -- the calibration of the magnitudes on the published findings -----------------------------

POSTERIOR = ROOT / "sim" / "data" / "posterior"
NOT_IDENTIFIED, NARROWED = 0.9, 0.6
"""Posterior SD / prior SD above NOT_IDENTIFIED: the findings leave the magnitude at its
prior; at most NARROWED: they narrow it; between: they narrow it a little."""


def _reading(ratio: float) -> str:
    if ratio > NOT_IDENTIFIED:
        return "not identified by the findings: stays at its prior"
    return "narrowed by the findings" if ratio <= NARROWED else "narrowed a little"


def _from_text(pattern: str, text: str, where: str) -> str:
    import re

    m = re.search(pattern, text)
    if m is None:
        raise ValueError(f"{where}: no match for {pattern!r}; was the file made by "
                         f"scripts/calibrate_evidence.py?")
    return m[1]


def _key(path: str) -> str:
    """A magnitude's key in numbers.json: its path's last part."""
    return path.rsplit(".", 1)[-1]


def calibration(folder: Path = POSTERIOR) -> dict:
    """What the shipped calibration (sim/data/posterior, scripts/calibrate_evidence.py)
    says: per magnitude its default, prior range, posterior mean, 95% interval of the
    draws (2.5 and 97.5 percentiles), posterior SD / prior SD with its reading and the
    findings informing it; the posterior correlation of X:same_group and contact; the
    predictive check (predictive.csv); the run's command and runtime (its README.md)."""
    from sim.studies.evidence.calibration import ASSUMED_SE, DOSE, HELD_OUT, INFORMS, read_shipped
    from sim.studies.magnitudes import central_range
    from sim.studies.robustness import ASSUMPTIONS

    shipped = read_shipped(folder)
    table, draws = shipped.table.set_index("magnitude"), shipped.draws
    values: dict = {}
    for a in ASSUMPTIONS + (DOSE,):
        row, key = table.loc[a.path], _key(a.path)
        values[f"{key}.default"] = float(row["default"])
        values[f"{key}.prior"] = f"{row['low']:.3g} to {row['high']:.3g}"
        values[f"{key}.mean"] = float(row["posterior_mean"])
        if a.path in draws:
            low, high = central_range(draws[a.path])
            values[f"{key}.interval"] = f"{low:.3g} to {high:.3g}"
        else:
            values[f"{key}.interval"] = "draws not shipped"
        values[f"{key}.sd_ratio"] = float(row["sd_ratio"])
        values[f"{key}.reading"] = _reading(float(row["sd_ratio"]))
        values[f"{key}.informed_by"] = ", ".join(
            f"`{f}`" for f, paths in INFORMS.items() if a.path in paths) or "none"
    values["not_identified"] = ", ".join(
        f"`{_key(p)}`" for p, r in table["sd_ratio"].items() if r > NOT_IDENTIFIED) or "none"
    same, contact = "network.effects.X:same_group", "interventions.{group}.magnitudes.contact"
    values["draws"] = len(draws)
    values["distinct_draws"] = len(draws.drop_duplicates())
    r = float(np.corrcoef(draws[same], draws[contact])[0, 1])
    # Fisher's z interval, n the distinct draws (resampling repeats particles)
    half = 1.96 / np.sqrt(max(values["distinct_draws"] - 3, 1))
    low, high = float(np.tanh(np.arctanh(r) - half)), float(np.tanh(np.arctanh(r) + half))
    values["same_group_contact.r"] = r
    values["same_group_contact.low"], values["same_group_contact.high"] = low, high
    values["same_group_contact.reading"] = (
        "they trade off: a smaller `X:same_group` goes with more contact and the reverse"
        if high < 0 else "they rise together" if low > 0 else
        "the sample cannot tell whether they trade off (the interval includes 0)")
    values["assumed_se"] = ", ".join(f"`{k}` {se:g}" for k, se in ASSUMED_SE.items())
    readme = (shipped.folder / "README.md").read_text()
    where = str(shipped.folder / "README.md")
    command = _from_text(r"\n((?:    python scripts/[^\n]*\n)+)", readme, where)
    values["command"] = " then ".join(f"`{line.strip()}`" for line in command.splitlines())
    values["runtime_minutes"] = float(_from_text(r"runtime of the table ([\d.]+) minutes",
                                                 readme, where))
    values["table_draws"] = int(_from_text(r"(\d+) prior draws;", readme, where))
    values["accepted"] = int(_from_text(r"(\d+) accepted", readme, where))
    import re

    noise = re.findall(r"\n\| (\w+) \| (\d+) \| ([\d.]+) \| ([\d.]+) \|", readme)
    if not noise:
        raise ValueError(f"{where}: no table of replications, simulated SD and published SE")
    for finding, reps, sd, se in noise:
        values[f"noise.{finding}.replications"] = int(reps)
        values[f"noise.{finding}.simulated_sd"] = float(sd)
        values[f"noise.{finding}.published_se"] = float(se)
    check = shipped.predictive
    if check is None:
        raise ValueError(f"{shipped.folder}: no predictive.csv; run "
                         f"`python scripts/calibrate_evidence.py --check DRAWS`")
    text = (shipped.folder / "predictive.md").read_text()
    where = str(shipped.folder / "predictive.md")
    values["check.command"] = "`" + _from_text(r"Generated by `([^`]+)`", text, where) + "`"
    values["check.runtime_minutes"] = float(_from_text(r"Runtime ([\d.]+) minutes", text,
                                                       where))
    values["check.draws"] = int(check["draws"].iloc[0])
    for r in check.itertuples():
        fitted = bool(r.fitted) if "fitted" in check else r.finding not in HELD_OUT
        values[f"check.{r.finding}.fitted"] = "fitted" if fitted else "held out"
        values[f"check.{r.finding}.published"] = f"{r.published:.3f} ({r.published_se:.3f})"
        values[f"check.{r.finding}.{r.sample}"] = (
            f"{r.median:.3f} [{r.low:.3f}, {r.high:.3f}]{'' if r.inside else ' (outside)'}")
    for sample in ("posterior", "prior"):
        part = check[check["sample"] == sample]
        values[f"check.{sample}.inside"] = int(part["inside"].sum())
    values["check.findings"] = int((check["sample"] == "posterior").sum())
    return values


COMPUTATIONS["calibration"] = Computation(
    "calibration", "the shipped calibration, sim/data/posterior (scripts/calibrate_evidence.py;"
    " docs/computations.py, calibration)", 1, "quick", calibration)
