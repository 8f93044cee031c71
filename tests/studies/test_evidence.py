"""Evidence as data (sim/studies/evidence, ``lbsim evidence``): the shipped findings table, the
replication spec's errors, each replication kind against brute force and against the
magnitude it depends on, and same seed, same result."""

import fnmatch
import tomllib
from pathlib import Path

import numpy as np
import pytest
import yaml
from typer.testing import CliRunner

from sim.cli.main import app
from sim.data import load
from sim.saom import descriptives
from sim.studies.evidence import replay
from sim.studies.evidence.spec import (
    KINDS,
    EvidenceError,
    Published,
    SharedSetting,
    bundled_path,
    contact_per_hour,
    load_findings,
    world,
)
from sim.studies.evidence.table import COLUMNS, evidence
from sim.world.interventions.growth_group import GroupMagnitudes, GrowthGroupSection
from sim.world.model import PeerNetworkModel
from sim.world.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[2]
BASE = load_scenario(ROOT / "scenarios" / "single_class.yaml")
runner = CliRunner()
FAST = {"network.burn_in_years": 3.0}
SMALL_CLASSES = {"population.classes_per_school": 6, "population.class_size.mean": 16,
                 "population.class_size.sd": 0, "population.class_size.min": 8, **FAST}


def se(sim: replay.Simulated) -> float:
    """The standard error behind a mean +- 1.96 SE interval."""
    return (sim.high - sim.low) / (2 * replay.Z95)


def run(kind: str, replications: int = 10, seed: int = 1, **fields) -> replay.Simulated:
    rep = KINDS[kind].model_validate({"kind": kind, **fields})
    return replay.simulate(rep, world(rep, BASE), replications, seed)


# --- the shipped table ------------------------------------------------------------------

def test_shipped_table_loads_and_every_finding_is_valid():
    findings, worlds = load_findings()
    ids = [f.id for f in findings.findings]
    for wanted in ("rohrer2021_desk_mates", "beelmann2006_sst_post",
                   "beelmann2006_sst_follow_up", "huang2022_support_loneliness",
                   "s50_yearly_turnover"):
        assert wanted in ids
    assert {f.replication.kind for f in findings.findings} == set(KINDS)
    for f in findings.findings:
        assert f.citation and f.design and f.figure and f.read
        assert f.published.interval, f.id  # what the interval is, or that there is none
        est, low, high, _ = replay.published(f.published)
        assert np.isfinite(est) and (low is None or low <= est <= high)
        if f.replication.kind == "trial_effect":
            assert worlds[f.id].interventions
    # the Rohrer design as read: desks of two, classes of about 16, no left-behind pupils
    rohrer = next(f for f in findings.findings if f.id == "rohrer2021_desk_mates")
    assert rohrer.replication.setting.size == 2
    assert worlds[rohrer.id].population.class_size.mean == 16
    assert worlds[rohrer.id].population.left_behind_share == 0


def test_table_ships_with_the_package():
    data = tomllib.loads((ROOT / "pyproject.toml").read_text())
    patterns = data["tool"]["setuptools"]["package-data"]["sim.data"]
    rel = bundled_path().relative_to(ROOT / "sim" / "data").as_posix()
    assert any(fnmatch.fnmatch(rel, p) for p in patterns)


def test_rohrer_interval_is_the_binomial_one_it_says():
    """The derived interval: 0.22 - 0.15 +- 1.96 SE over 1,483 desk pairs and the other
    pairs of 182 classes of 2,966 / 182 pupils."""
    findings, _ = load_findings()
    pub = next(f for f in findings.findings if f.id == "rohrer2021_desk_mates").published
    n = 2966 / 182
    desks, others = 2966 / 2, 182 * n * (n - 1) / 2 - 2966 / 2
    half = 1.96 * np.sqrt(0.22 * 0.78 / desks + 0.15 * 0.85 / others)
    assert pub.estimate == pytest.approx(0.07)
    assert (pub.low, pub.high) == pytest.approx((0.07 - half, 0.07 + half), abs=6e-4)


def test_dose_is_the_growth_groups_contact_per_session_hour():
    rate = GroupMagnitudes().contact / GrowthGroupSection(type="growth_group").hours_per_session
    assert contact_per_hour() == pytest.approx(rate)
    st = SharedSetting(hours_per_week=10, weeks=18)
    assert st.contact() == pytest.approx(10 * rate)
    assert "growth-group default" in st.dose() and f"{10 * rate:.1f}" in st.dose()
    own = SharedSetting(hours_per_week=10, weeks=18, contact_per_hour=2.0)
    assert own.contact() == 20.0 and "given" in own.dose()


# --- bad specs ----------------------------------------------------------------------------

FINDING = {"id": "x", "citation": "c", "design": "d", "figure": "f",
           "published": {"estimate": 0.1},
           "replication": {"kind": "jaccard", "interventions": False}}


def with_change(path: str, value) -> dict:
    finding = yaml.safe_load(yaml.safe_dump(FINDING))
    *parents, last = path.split(".")
    node = finding
    for p in parents:
        node = node[p]
    if value is None:
        del node[last]
    else:
        node[last] = value
    return {"findings": [finding]}


@pytest.mark.parametrize("path,value,expected", [
    ("replication.kind", "jacard", ["findings.0.replication.kind: 'jacard'",
                                    "dyad_tie_probability, trial_effect, correlation, jaccard"]),
    ("replication.strat", 3, ["findings.0.replication.strat: 3", "did you mean 'start'?"]),
    ("replication.interval", "pct", ["findings.0.replication.interval: 'pct'",
                                     "allowed: se, percentile"]),
    ("replication.end", 0, ["findings.0.replication.end: 0", "must be at least 1"]),
    ("published.low", 0.2, ["findings.0.published", "give both 'low' and 'high'"]),
    ("published.estimate", None, ["findings.0.published", "'estimate'", "'from_data'"]),
    ("citation", None, ["findings.0.citation: (missing) — required"]),
    ("replication.overrides", {"network.rat": 3},
     ["findings.0.replication.overrides.network.rat: 3", "did you mean 'rate'?"]),
    ("replication.scenario", "nowhere.yaml",
     ["findings.0.replication.scenario: 'nowhere.yaml'", "single_class", "no such file"]),
])
def test_a_bad_spec_names_field_value_and_what_is_allowed(tmp_path, path, value, expected):
    spec = tmp_path / "findings.yaml"
    spec.write_text(yaml.safe_dump(with_change(path, value)))
    with pytest.raises(EvidenceError) as e:
        load_findings(spec)
    for text in expected:
        assert text in str(e.value)
    result = runner.invoke(app, ["evidence", str(spec), "--out", str(tmp_path / "out")])
    assert result.exit_code == 2 and expected[0] in result.output
    assert not (tmp_path / "out").exists()


def test_setting_and_trial_errors(tmp_path):
    spec = tmp_path / "f.yaml"
    dyad = {"kind": "dyad_tie_probability", "setting": {"sise": 2, "hours_per_week": 1,
                                                        "weeks": 2}, "measure": "both"}
    trial = {"kind": "trial_effect", "outcome": "confidence", "interventions": False}
    spec.write_text(yaml.safe_dump({"findings": [
        {**FINDING, "replication": dyad}, {**FINDING, "id": "y", "replication": trial}]}))
    with pytest.raises(EvidenceError) as e:
        load_findings(spec)
    text = str(e.value)
    assert "findings.0.replication.setting.sise: 2 — unknown key; did you mean 'size'?" in text
    assert "findings.0.replication.measure: 'both' — allowed: mutual, either" in text
    spec.write_text(yaml.safe_dump({"findings": [{**FINDING, "replication": trial},
                                                 {**FINDING}]}))
    with pytest.raises(EvidenceError) as e:
        load_findings(spec)
    assert "a trial_effect needs a scenario with interventions" in str(e.value)
    assert "findings.1.id: 'x' — already the id of finding 0" in str(e.value)


def test_published_needs_consistent_figures():
    with pytest.raises(ValueError, match="low <= estimate <= high"):
        Published(estimate=0.5, low=0.6, high=0.7)
    with pytest.raises(ValueError, match="exactly one"):
        Published(estimate=0.5, from_data="s50")


# --- the pieces, against brute force ------------------------------------------------------

def test_s50_published_jaccard_equals_a_direct_computation_from_the_waves():
    waves = load("s50").waves
    edges = [{(i, j) for i, j in zip(*np.nonzero(w), strict=True)} for w in waves]
    direct = [len(a & b) / len(a | b) for a, b in zip(edges[:-1], edges[1:], strict=True)]
    est, low, high, text = replay.published(Published(from_data="s50"))
    assert est == pytest.approx(np.mean(direct))
    assert (low, high) == pytest.approx((min(direct), max(direct)))
    assert f"{direct[0]:.3f}" in text and f"{direct[1]:.3f}" in text
    assert descriptives.jaccard(waves[0], waves[0]) == 1.0
    assert np.isnan(descriptives.jaccard(np.zeros((3, 3)), np.zeros((3, 3))))


def test_groups_partition_each_class_and_tie_probabilities_match_brute_force():
    scenario = BASE.override({**SMALL_CLASSES, "population.class_size.sd": 3})
    scenario = scenario.model_copy(update={"interventions": []})
    model = PeerNetworkModel(scenario, seed=5, collect=False, agents=False)
    labels = replay.open_groups(model, 2, 7.0, 1.0)
    pop = model.population
    assert (labels >= 0).all()  # everybody sits at a desk
    for c in range(pop.n_classes):
        lab = labels[replay.class_children(model, c)]
        sizes = np.unique(lab, return_counts=True)[1]
        assert sorted(sizes)[:-1] == [2] * (len(sizes) - 1) and sizes.max() <= 3
        assert sizes.sum() == pop.size[c]
    assert len(np.unique(labels)) == sum(pop.size // 2)  # no label shared across classes
    np.testing.assert_array_equal(model.settings.contact, 7.0)
    for _ in range(10):
        model.step()
    for measure in ("mutual", "either"):
        tied, pairs = np.zeros(2), np.zeros(2)
        for c in range(pop.n_classes):
            kids = replay.class_children(model, c)
            x = pop.network(c)
            for a in range(len(kids)):
                for b in range(a + 1, len(kids)):
                    t = (x[a, b] and x[b, a]) if measure == "mutual" else (x[a, b] or x[b, a])
                    k = 0 if labels[kids[a]] == labels[kids[b]] else 1
                    tied[k] += bool(t)
                    pairs[k] += 1
        assert replay.tie_probabilities(model, labels, measure) == pytest.approx(
            tuple(tied / pairs))


def test_summaries_and_agreement():
    v = np.array([1.0, 2.0, 3.0, 4.0, np.nan])
    mean, low, high, how = replay.summarise(v, "se")
    half = replay.Z95 * np.std([1, 2, 3, 4], ddof=1) / 2
    assert (mean, low, high) == pytest.approx((2.5, 2.5 - half, 2.5 + half))
    assert "4 replications" in how
    _, low, high, _ = replay.summarise(v, "percentile")
    assert (low, high) == pytest.approx(tuple(np.percentile([1, 2, 3, 4], [2.5, 97.5])))
    sim = replay.Simulated(0.5, 0.4, 0.6, "", 4)
    assert replay.agreement(0.7, 0.55, 0.9, sim) == (True, False)  # overlap, not inside
    assert replay.agreement(0.7, 0.65, 0.9, sim) == (False, False)
    assert replay.agreement(0.45, None, None, sim) == (True, True)
    assert replay.agreement(0.7, None, None, sim) == (False, False)


# --- each figure moves with the magnitude it depends on -------------------------------------

def dyad(hours, strength, summary="setting", **effects):
    overrides = {**SMALL_CLASSES, **{f"network.effects.{k}": v for k, v in effects.items()}}
    return run("dyad_tie_probability", interventions=False, overrides=overrides,
               summary=summary,
               setting={"hours_per_week": hours, "weeks": 18, "strength": strength})


def test_more_desk_contact_or_a_stronger_setting_more_mutual_ties_among_desk_mates():
    """The tie of a desk pair is reconsidered at each setting ministep, so it nears its
    equilibrium within a few: the figure rises from 0 to 1 hour a week (contact 13 a
    year, about 6 setting ministeps in 18 weeks) and then depends on X:same_group."""
    none, hour = dyad(0, 1.0), dyad(1, 1.0)
    assert hour.estimate - none.estimate > 3 * np.hypot(se(none), se(hour))
    weak, strong = dyad(10, 1.0, **{"X:same_group": 0.0}), dyad(10, 1.0, **{"X:same_group": 1.2})
    assert strong.estimate - weak.estimate > 3 * np.hypot(se(weak), se(strong))


def test_without_a_setting_desk_mates_are_like_other_classmates():
    """Hours 0 and X:same_group off: being desk-mates changes nothing (difference 0
    within 3 SE); X:same_group on alone raises it."""
    off = dyad(0, 0.0, "difference")
    assert abs(off.estimate) < 3 * se(off)
    on = dyad(0, 1.0, "difference")
    assert on.estimate > 3 * se(on)


def test_trial_effect_grows_with_the_confidence_magnitude():
    def g(c):
        return run("trial_effect", replications=6, outcome="confidence",
                   overrides={"interventions.0.magnitudes.confidence": c, **FAST})
    zero, default = g(0.0), g(0.013)
    assert default.estimate - zero.estimate > 3 * np.hypot(se(zero), se(default))


def test_support_loneliness_correlation_follows_friends_effect_on_confidence():
    def r(w):
        return run("correlation", replications=16, x="in_degree", y="confidence", sign=-1,
                   interventions=False,
                   overrides={"population.schools": 10, "trait_dynamics.confidence."
                              "reciprocated_friends": w, **FAST})
    none, strong = r(0.0), r(0.2)
    assert none.estimate - strong.estimate > 3 * np.hypot(se(none), se(strong))


def test_turnover_grows_with_the_rate():
    def j(rate):
        return run("jaccard", replications=8, interventions=False, end=20,
                   overrides={"network.rate": rate, **FAST})
    slow, fast = j(3.0), j(12.0)
    assert slow.estimate - fast.estimate > 3 * np.hypot(se(slow), se(fast))


# --- runs ---------------------------------------------------------------------------------

def small_file(tmp_path) -> Path:
    spec = tmp_path / "mine.yaml"
    spec.write_text(yaml.safe_dump({"findings": [
        {**FINDING, "id": "turnover", "published": {"from_data": "s50", "interval": "range"},
         "replication": {"kind": "jaccard", "interventions": False, "end": 10,
                         "overrides": FAST}},
        {**FINDING, "id": "desks", "published": {"estimate": 0.07, "low": 0.05, "high": 0.09},
         "replication": {"kind": "dyad_tie_probability", "interventions": False,
                         "overrides": SMALL_CLASSES,
                         "setting": {"hours_per_week": 10, "weeks": 6}}}]}))
    return spec


def test_same_seed_same_result(tmp_path):
    spec = small_file(tmp_path)
    first = evidence(spec, replications=3, seed=3)
    assert list(first.columns) == list(COLUMNS) and len(first) == 2
    assert first.equals(evidence(spec, replications=3, seed=3))
    assert not first["simulated"].equals(evidence(spec, replications=3, seed=4)["simulated"])


def test_command_prints_the_table_and_writes_evidence_csv(tmp_path):
    spec = small_file(tmp_path)
    out = tmp_path / "out"
    result = runner.invoke(app, ["evidence", str(spec), "--replications", "2", "--seed", "2",
                                 "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "published [interval]" in result.output and "desks" in result.output
    assert "contact 133.3/year" in result.output  # the dose, stated
    import pandas as pd
    table = pd.read_csv(out / "evidence.csv")
    assert table["id"].tolist() == ["turnover", "desks"] and (table["seed"] == 2).all()
    again = runner.invoke(app, ["evidence", str(spec), "--replications", "2", "--out",
                                str(out)])
    assert again.exit_code == 2 and "--overwrite" in again.output
    assert runner.invoke(app, ["evidence", str(tmp_path / "none.yaml")]).exit_code == 2


def test_docs_name_every_kind_and_every_field_of_the_spec():
    doc = (ROOT / "docs" / "evidence.md").read_text()
    findings, _ = load_findings()
    for kind, model in KINDS.items():
        assert f"`{kind}`" in doc
        for field in model.model_fields:
            assert f"`{field}`" in doc, (kind, field)
    for field in [*SharedSetting.model_fields, *Published.model_fields]:
        assert f"`{field}`" in doc, field
    for f in findings.findings:
        assert f"`{f.id}`" in doc


def test_a_scenario_path_is_read_relative_to_the_findings_file(tmp_path):
    (tmp_path / "specs").mkdir()
    (tmp_path / "my_class.yaml").write_text(yaml.safe_dump(
        {"name": "my_class", "population": {"class_size": {"mean": 30, "sd": 0}}}))
    spec = tmp_path / "specs" / "mine.yaml"
    spec.write_text(yaml.safe_dump({"findings": [
        {**FINDING, "replication": {"kind": "jaccard", "scenario": "../my_class.yaml"}},
        {**FINDING, "id": "y", "replication": {"kind": "jaccard",
                                               "scenario": "dafang_yuchong"}}]}))
    _, worlds = load_findings(spec)
    assert worlds["x"].name == "my_class" and worlds["y"].name == "dafang_yuchong"
    assert worlds["y"].interventions  # interventions kept unless the spec says false
