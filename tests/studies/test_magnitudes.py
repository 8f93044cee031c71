"""Samples of the assumption-marked magnitudes (sim.studies.magnitudes) and trials whose intervals
carry them: the prior's draws, files of draws, applying a draw, the one-way random-effects
split of an interval (against brute force and synthetic data with known components) and
``lbsim compare --magnitudes``."""

import re

import numpy as np
import pandas as pd
import pytest
import yaml
from scipy import stats
from typer.testing import CliRunner

from sim.cli.main import app
from sim.studies.magnitudes import (
    DrawsError,
    MagnitudesError,
    Sample,
    default_draws,
    defaults,
    describe,
    few_draws_note,
    posterior,
    prior,
    read_sample,
    sample_for_trial,
)
from sim.studies.robustness import ASSUMPTIONS
from sim.studies.trials import draw_components, virtual_trial, write_comparison
from sim.world.scenario import parse_scenario, value_at

PATHS = [a.path for a in ASSUMPTIONS]
CONTACT = "interventions.{group}.magnitudes.contact"
BARRIER = "interventions.{group}.magnitudes.barrier"
NO_FEEDBACK = [{"theme": "nice_to_meet_you", "stage": "thaw"},
               {"theme": "flying_with_joy", "stage": "change"}]


def scenario(**group):
    """One class of 30, a growth group from week 2 that everyone invited joins."""
    return parse_scenario({
        "name": "mag", "weeks": 12,
        "population": {"schools": 1, "classes_per_school": 1,
                       "class_size": {"mean": 30, "sd": 0, "min": 10}},
        "network": {"burn_in_years": 0.5},
        "interventions": [{"type": "growth_group", "start_week": 2, "acceptance": 1.0,
                           **group}]})


# --- the prior and files of draws -----------------------------------------------------------

def test_prior_draws_lie_in_the_ranges_are_uniform_and_reproducible_by_seed():
    draws = prior(2000, seed=7)
    assert list(draws.table.columns) == PATHS and len(draws) == 2000 and draws.drawn
    for a in ASSUMPTIONS:
        x = draws.table[a.path].to_numpy()
        assert ((x >= a.low) & (x <= a.high)).all(), a.path
        # uniform over the range: Kolmogorov-Smirnov at the 0.1% level
        assert stats.kstest((x - a.low) / (a.high - a.low), "uniform").pvalue > 1e-3, a.path
    pd.testing.assert_frame_equal(prior(2000, seed=7).table, draws.table)
    assert not np.allclose(prior(2000, seed=8).table, draws.table)


def test_a_file_of_draws_reads_back_and_a_subset_is_keyed_by_the_seed(tmp_path):
    draws = prior(6, seed=3)
    draws.table.to_csv(tmp_path / "post.csv", index=False)
    draws.table.to_parquet(tmp_path / "post.parquet")
    for name in ("post.csv", "post.parquet"):
        back = read_sample(tmp_path / name)
        np.testing.assert_allclose(back.table.to_numpy(), draws.table.to_numpy(), rtol=1e-15)
        assert back.source.endswith(name)
    some = back.take(3, seed=1)
    assert len(some) == 3 and some.table.equals(back.take(3, seed=1).table)
    assert all((back.table == row).all(axis=1).any() for _, row in some.table.iterrows())
    assert back.take(6, seed=1) is back
    with pytest.raises(MagnitudesError, match="6 draws: ask for 1 to 6, not 7"):
        back.take(7, seed=1)


def test_a_file_with_an_unknown_or_missing_column_is_refused_naming_them(tmp_path):
    table = prior(2, seed=1).table.rename(columns={CONTACT: "magnitudes.contact"})
    table.to_csv(tmp_path / "bad.csv", index=False)
    with pytest.raises(MagnitudesError) as e:
        read_sample(tmp_path / "bad.csv")
    message = str(e.value)
    assert "unknown column(s): magnitudes.contact" in message
    assert f"missing column(s): {CONTACT}" in message
    assert all(p in message for p in PATHS)  # what is allowed
    table = prior(2, seed=1).table.astype(object)
    table.iloc[1, 2] = "high"
    table.to_csv(tmp_path / "word.csv", index=False)
    with pytest.raises(MagnitudesError, match=f"row 2, column {PATHS[2]}: 'high' is not"):
        read_sample(tmp_path / "word.csv")
    with pytest.raises(MagnitudesError, match="CSV or Parquet"):
        read_sample(tmp_path / "draws.json")
    with pytest.raises(MagnitudesError, match="no such file"):
        read_sample(tmp_path / "absent.csv")


def test_a_trial_shares_replications_equally_among_draws():
    assert len(sample_for_trial("prior", 16, seed=1)) == 8  # two replications a draw
    assert len(sample_for_trial("prior", 16, seed=1, draws=4)) == 4
    assert sample_for_trial("defaults", 16, seed=1).drawn is False
    with pytest.raises(MagnitudesError, match="multiple of the draws"):
        sample_for_trial("prior", 16, seed=1, draws=3)
    # one draw carries none of the magnitudes' uncertainty: refused, naming the default
    for kind in ("prior", "posterior"):
        with pytest.raises(DrawsError, match=r"at least 2 draws \(4 replications give 4 by"):
            sample_for_trial(kind, 4, seed=1, draws=1)
    # ... but one replication has no interval to widen: its one draw is all there is
    assert len(sample_for_trial("prior", 1, seed=1)) == 1
    assert len(sample_for_trial("posterior", 1, seed=1)) == 1
    assert len(sample_for_trial("prior", 3, seed=1)) == 3  # no split: one replication a draw
    assert len(sample_for_trial("prior", 4, seed=1)) == 4  # 2 draws of 2 would be too few
    assert len(sample_for_trial("posterior", 20, seed=1)) == 10  # lbsim compare's default
    assert len(sample_for_trial("posterior", 100, seed=1)) == 25  # at most its 40 rows
    with pytest.raises(DrawsError, match="'defaults' has one"):
        sample_for_trial("defaults", 16, seed=1, draws=4)


@pytest.mark.parametrize("replications", range(1, 61))
def test_default_draws_divide_the_replications_and_split_them_when_they_can(replications):
    """Brute force: the default is the most draws, 5 or more, that divide the replications
    with two or more each; when none exists, one replication a draw; never more than the
    rows (then the most that divide them)."""
    for available in (None, 40, 7):
        cap = replications if available is None else min(available, replications)
        got = default_draws(replications, available)
        assert replications % got == 0 and 1 <= got <= cap
        split = [d for d in range(5, cap + 1) if replications % d == 0
                 and replications // d >= 2]
        assert got == (max(split) if split else max(
            d for d in range(1, cap + 1) if replications % d == 0))
    got = default_draws(replications)
    # never 2 to 4 draws of a split (t multiplier over 3) when the replications allow more
    assert got >= 5 or got == replications
    if replications % 2 == 0 and replications >= 10:
        assert got == replications // 2
    assert (replications // got >= 2) == (replications >= 10 and any(
        replications % d == 0 and replications // d >= 2 for d in range(5, replications)))


# --- applying a draw --------------------------------------------------------------------------

def test_a_draw_reaches_every_growth_group_and_skips_what_a_scenario_does_not_have():
    base = scenario().model_dump(mode="json")
    base["interventions"].append({"type": "staffing", "workers": 1})
    both = parse_scenario(base)
    draw = prior(1, seed=2)
    changes = draw.overrides(both, 0)
    value = draw.table.loc[0, CONTACT]
    assert changes["interventions.0.magnitudes.contact"] == value
    assert changes["interventions.1.group.magnitudes.contact"] == value
    applied = draw.apply(both, 0)
    assert applied.interventions[1].group.magnitudes.contact == value
    assert applied.trait_dynamics.adjustment == draw.table.loc[0, "trait_dynamics.adjustment"]
    # no growth group: its paths are skipped; an effect the scenario leaves out is not added
    plain = scenario().model_dump(mode="json")
    plain["interventions"] = [{"type": "anti_stigma", "week": 3}]
    plain["network"]["effects"] = {k: v for k, v in scenario().network.effects.items()
                                   if k != "X:same_group"}
    plain = parse_scenario(plain)
    assert set(draw.overrides(plain, 0)) == {"trait_dynamics.adjustment",
                                             "trait_dynamics.confidence.reciprocated_friends"}
    assert "X:same_group" not in draw.apply(plain, 0).network.effects
    assert defaults().apply(plain, 0) is plain


# --- the split of an interval -----------------------------------------------------------------

def brute_force(diffs, draw):
    """The one-way ANOVA by explicit loops: draw means, their variance, the pooled
    within-draw variance, mean(1/n_i)."""
    groups = {}
    for d, k in zip(diffs, draw, strict=True):
        groups.setdefault(k, []).append(d)
    means = [sum(g) / len(g) for g in groups.values()]
    grand = sum(means) / len(means)
    spread = sum((m - grand) ** 2 for m in means) / (len(means) - 1)
    within = sum((d - m) ** 2 for g, m in zip(groups.values(), means, strict=True)
                 for d in g) / sum(len(g) - 1 for g in groups.values())
    inverse = sum(1 / len(g) for g in groups.values()) / len(groups)
    return grand, spread, within, inverse, len(groups)


@pytest.mark.parametrize("sizes", [[3] * 5, [2, 3, 4, 2, 5]])
def test_the_split_against_brute_force(sizes):
    rng = np.random.default_rng(4)
    draw = np.repeat(np.arange(len(sizes)), sizes)
    diffs = rng.normal(size=len(draw)) + 2 * rng.normal(size=len(sizes))[draw]
    got = draw_components(diffs, draw)
    grand, spread, within, inverse, n = brute_force(diffs, draw)
    assert got["mean"] == pytest.approx(grand, rel=1e-12) and got["draws"] == n
    assert got["se"] == pytest.approx(np.sqrt(spread / n), rel=1e-12)
    assert got["within"] == pytest.approx(within, rel=1e-12)
    assert got["between"] == pytest.approx(spread - within * inverse, rel=1e-12)
    assert got["magnitudes_share"] == pytest.approx(max(0, 1 - within * inverse / spread))
    if len(set(sizes)) == 1:  # balanced: the ANOVA's mean squares
        k = sizes[0]
        msb, msw = k * spread, within
        assert got["between"] == pytest.approx((msb - msw) / k, rel=1e-12)
        assert got["se"] ** 2 == pytest.approx(msb / (n * k), rel=1e-12)


def test_the_split_recovers_known_components():
    """Synthetic differences mu + a_i + e_ij, s_a^2 = 0.25, s_e^2 = 1, unbalanced draws:
    the between and within estimates are unbiased, and the mean SE^2 is the variance of the
    estimate over data sets (brute force); each within 4 Monte Carlo standard errors."""
    rng = np.random.default_rng(11)
    sizes = np.array([2, 3, 2, 4, 3, 2, 3, 5])
    draw = np.repeat(np.arange(len(sizes)), sizes)
    s_a2, s_e2, sets = 0.25, 1.0, 4000
    rows = [draw_components(3 + np.sqrt(s_a2) * rng.normal(size=len(sizes))[draw]
                            + np.sqrt(s_e2) * rng.normal(size=len(draw)), draw)
            for _ in range(sets)]
    got = pd.DataFrame(rows)
    for column, truth in (("between", s_a2), ("within", s_e2)):
        x = got[column]
        assert abs(x.mean() - truth) < 4 * x.std() / np.sqrt(sets), column
    variance = (s_a2 + s_e2 * np.mean(1 / sizes)) / len(sizes)
    se2 = got["se"] ** 2
    assert abs(se2.mean() - variance) < 4 * se2.std() / np.sqrt(sets)
    # the estimate's variance over the data sets (normal: SE of a variance var sqrt(2/(n-1)))
    assert abs(got["mean"].var() - variance) < 4 * variance * np.sqrt(2 / (sets - 1))


def test_without_magnitude_effects_the_share_is_an_f_test_of_the_right_size():
    """s_a = 0, balanced D = 6, K = 3: share > 1 - 1 / F(0.95; D - 1, D (K - 1)) exactly
    when the ANOVA's F test rejects at 5%: 5% of data sets, within 4 binomial SEs."""
    rng = np.random.default_rng(5)
    d, k, sets = 6, 3, 4000
    draw = np.repeat(np.arange(d), k)
    cut = 1 - 1 / stats.f.ppf(0.95, d - 1, d * (k - 1))
    shares = np.array([draw_components(rng.normal(size=d * k), draw)["magnitudes_share"]
                       for _ in range(sets)])
    assert abs((shares > cut).mean() - 0.05) < 4 * np.sqrt(0.05 * 0.95 / sets)


# --- trials -----------------------------------------------------------------------------------

def test_defaults_give_the_trial_of_the_scenario_as_written_bit_for_bit():
    s = scenario()
    plain = virtual_trial(s, 4, seed=3, follow_up_weeks=3).effects
    assert plain.to_csv() == virtual_trial(s, 4, seed=3, follow_up_weeks=3,
                                           magnitudes=defaults()).effects.to_csv()
    assert "magnitudes_share" not in plain
    # one draw of the scenario's own values: the same answer, nothing from the magnitudes
    dump = s.model_dump(mode="json")
    own = {p: value_at(dump, p.format(group=0)) for p in PATHS}
    drawn = virtual_trial(s, 4, seed=3, follow_up_weeks=3,
                          magnitudes=Sample(pd.DataFrame([own]), "own")).effects
    pd.testing.assert_frame_equal(drawn[plain.columns], plain)
    assert (drawn["draws"] == 1).all() and (drawn["magnitudes_share"] == 0).all()


def f_cut(d: int, k: int, level: float = 0.999) -> float:
    """The share above which the ANOVA's F test finds a magnitude effect at ``level``."""
    return 1 - 1 / stats.f.ppf(level, d - 1, d * (k - 1))


def test_drawn_contact_widens_the_interval_of_members_ties_and_takes_its_share():
    """Contact in the setting at both ends of its documented range (8 draws x 4
    replications) against its default: members' in-degree and the ties among members get a
    wider interval, and for the ties among members (which contact moves most) the F test
    finds the magnitude's part at 0.1%."""
    s = scenario()
    ends = Sample(pd.DataFrame({CONTACT: [0.0, 80.0] * 4}), "ends")
    plain = virtual_trial(s, 32, seed=1, follow_up_weeks=3).effects.set_index(["outcome", "time"])
    drawn = virtual_trial(s, 32, seed=1, follow_up_weeks=3,
                          magnitudes=ends).effects.set_index(["outcome", "time"])
    for outcome in ("in_degree", "named_members"):
        row, base = drawn.loc[(outcome, "post")], plain.loc[(outcome, "post")]
        assert row["ci_high"] - row["ci_low"] > base["ci_high"] - base["ci_low"], outcome
    assert drawn.loc[("named_members", "post"), "magnitudes_share"] > f_cut(8, 4)


def test_a_magnitude_no_outcome_depends_on_takes_no_share():
    """The barrier magnitude without a feedback session moves nothing: the same differences
    as the scenario as written, and no outcome's share passes the F test at 0.1%."""
    s = scenario(sessions=NO_FEEDBACK)
    spread = Sample(pd.DataFrame({BARRIER: np.linspace(0.02, 0.08, 8)}), "barrier")
    plain = virtual_trial(s, 32, seed=1, follow_up_weeks=3).effects
    drawn = virtual_trial(s, 32, seed=1, follow_up_weeks=3, magnitudes=spread).effects
    np.testing.assert_allclose(drawn["difference"], plain["difference"], atol=1e-12)
    shares = drawn.loc[drawn["time"] != "pre", "magnitudes_share"]
    assert shares.notna().all() and (shares <= f_cut(8, 4)).all(), shares.max()


# --- lbsim compare --magnitudes ---------------------------------------------------------------

def test_compare_with_magnitudes(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump(scenario().model_dump(mode="json")))
    runner = CliRunner()

    def compare(name, *options):
        result = runner.invoke(app, ["compare", str(path), "--replications", "4",
                                     "--follow-up", "3", "--out", str(tmp_path / name),
                                     *options])
        return result

    # --magnitudes defaults: the trial of the scenario as written, as the library gives it
    # without magnitudes (the path lbsim compare took before the posterior), byte for byte
    same = compare("defaults", "--magnitudes", "defaults")
    assert same.exit_code == 0, same.output
    assert "magnitudes: the scenario's own values" in same.output
    write_comparison(scenario(), tmp_path / "plain", replications=4, follow_up_weeks=3)
    assert ((tmp_path / "plain" / "effect_sizes.csv").read_bytes()
            == (tmp_path / "defaults" / "effect_sizes.csv").read_bytes())
    drawn = compare("prior", "--magnitudes", "prior", "--draws", "2")
    assert drawn.exit_code == 0, drawn.output
    assert ("4 replications -> " in drawn.output and "magnitudes: 2 draws of the prior, "
            "uniform over their documented ranges" in drawn.output)
    assert "few draws: the interval is wide because 2 draws leave 1 degree" in drawn.output
    assert "magnitudes: the share of the interval's variance" in drawn.output
    table = pd.read_csv(tmp_path / "prior" / "effect_sizes.csv")
    assert (table["draws"] == 2).all() and table["magnitudes_share"].between(0, 1).any()
    # no option: the shipped posterior, named, and an answer other than the scenario's
    shipped = compare("posterior")
    assert shipped.exit_code == 0, shipped.output
    taken = sample_for_trial("posterior", 4, seed=scenario().seed)
    assert (f"magnitudes: {describe('posterior', 4, taken.distinct)}\nfew draws: "
            f"the interval is wide because 4 draws") in shipped.output
    assert compare("told", "--magnitudes", "posterior").exit_code == 0
    assert ((tmp_path / "posterior" / "effect_sizes.csv").read_bytes()
            == (tmp_path / "told" / "effect_sizes.csv").read_bytes())
    posterior_table = pd.read_csv(tmp_path / "posterior" / "effect_sizes.csv")
    plain = pd.read_csv(tmp_path / "plain" / "effect_sizes.csv")
    assert posterior_table["draws"].max() == 4  # fewer where a replication is undefined
    assert not np.allclose(posterior_table["difference"], plain["difference"])
    prior(2, seed=1).table.rename(columns={CONTACT: "contact"}).to_csv(
        tmp_path / "bad.csv", index=False)
    rejected = prior(3, seed=1).table
    rejected.loc[1, "interventions.{group}.acceptance"] = 1.7
    rejected.to_csv(tmp_path / "rejected.csv", index=False)
    for options, words in ((["--magnitudes", str(tmp_path / "bad.csv")], "unknown column"),
                           (["--magnitudes", "prior", "--draws", "3"],
                            "--draws: 4 replications cannot be shared equally"),
                           (["--draws", "1"], "--draws: one draw of the posterior"),
                           (["--magnitudes", str(tmp_path / "rejected.csv")],
                            "rejected.csv: row 2, column interventions.{group}.acceptance: "
                            "1.7 is not allowed in mag (must be between 0 and 1)"),
                           (["--magnitudes", "posteriour"], "'posterior'")):
        bad = compare("bad", *options)
        assert bad.exit_code == 2 and words in bad.output, bad.output
        assert not (tmp_path / "bad").exists()


def test_every_row_is_checked_against_the_scenario_before_anything_runs(tmp_path):
    """A value the scenario does not allow is refused naming its file, row, column and what
    is allowed; allowed values outside the documented ranges are used, and counted."""
    for column, value, allowed in (("interventions.{group}.acceptance", 1.7, "between 0 and 1"),
                                   ("trait_dynamics.adjustment", 5.0, "between 0 and 1")):
        table = prior(5, seed=2).table
        table.loc[3, column] = value
        table.to_csv(tmp_path / "x.csv", index=False)
        for seed in range(3):  # the whole file is checked, not only the rows a trial takes
            with pytest.raises(MagnitudesError, match=(
                    rf"x.csv: row 4, column {re.escape(column)}: {value:g} is not allowed in "
                    rf"mag \(must be {allowed}\)")):
                sample_for_trial(str(tmp_path / "x.csv"), 4, seed, 2, scenario())
    table = prior(5, seed=2).table
    table.loc[:2, "trait_dynamics.adjustment"] = 0.9  # allowed, documented up to 0.1
    table.loc[4, CONTACT] = 0.0
    table.to_csv(tmp_path / "wide.csv", index=False)
    low = next(a.low for a in ASSUMPTIONS if a.path == CONTACT)
    sample = sample_for_trial(str(tmp_path / "wide.csv"), 10, 1, scenario=scenario())
    assert f"note: {3 + (low > 0)} of the {table.size} values" in sample.note
    assert sample.note in sample.words() and len(sample) == 5
    assert sample_for_trial("posterior", 10, 1, scenario=scenario()).note == ""


def test_repeated_rows_are_counted_as_distinct_draws():
    table = prior(3, seed=4).table
    repeated = Sample(table.iloc[[0, 1, 1, 2, 2, 2]].reset_index(drop=True), "posterior")
    assert len(repeated) == 6 and repeated.distinct == 3
    assert repeated.words().startswith("6 draws (3 distinct) of the posterior")
    assert prior(3, seed=4).distinct == 3
    assert prior(3, seed=4).words().startswith("3 draws of the prior")
    shipped = posterior()
    assert shipped.distinct == len(shipped.table.drop_duplicates()) <= len(shipped)
    assert describe("posterior", 4, 4) == describe("posterior", 4)


def test_the_few_draws_note_comes_with_a_t_multiplier_over_3():
    for draws in range(1, 12):
        t = stats.t.ppf(0.975, draws - 1) if draws > 1 else 0
        assert bool(few_draws_note(draws)) == (t > 3), draws
    assert "t multiplier 12.7" in few_draws_note(2)
    assert few_draws_note(5) == "" and few_draws_note(4) != ""


def test_one_replication_a_draw_gives_the_interval_but_no_split():
    diffs = np.array([1.0, 3.0, 2.0, 6.0])
    got = draw_components(diffs, np.arange(4))
    assert got["se"] == pytest.approx(diffs.std(ddof=1) / 2, rel=1e-12)
    assert np.isnan(got["magnitudes_share"]) and np.isnan(got["within"])
