"""What the figures say: legends for every line, axis labels that are there and inside the
picture, p-values never printed as 0.000, mu* intervals that stay at or above 0."""

import numpy as np
import pandas as pd
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg

from sim.saom import gof
from sim.studies.robustness import (
    ASSUMPTIONS,
    OUTCOMES,
    elementary_effects,
    morris_indices,
    robustness_figure,
)
from sim.viz import plots


def inside(fig, artists) -> bool:
    """Every artist is drawn within the figure (not clipped at its edge)."""
    renderer = FigureCanvasAgg(fig).get_renderer()
    fig.draw(renderer)
    box = fig.bbox
    return all(box.x0 - 1 <= b.x0 and b.x1 <= box.x1 + 1 and box.y0 - 1 <= b.y0
               and b.y1 <= box.y1 + 1
               for b in (a.get_window_extent(renderer) for a in artists if a.get_text()))


@pytest.mark.parametrize("p, runs, text, bare", [
    (0.0, 1000, "p < 0.001", "<0.001"), (0.0, 100, "p < 0.01", "<0.01"),
    (0.0004, None, "p < 0.001", "<0.001"), (0.001, 1000, "p = 0.001", "0.001"),
    (0.0423, 1000, "p = 0.042", "0.042"), (1.0, 50, "p = 1.000", "1.000")])
def test_p_text_never_says_zero(p, runs, text, bare):
    assert gof.p_text(p, runs) == text and gof.p_text(p, runs, bare=True) == bare


def effect_table() -> pd.DataFrame:
    rows = []
    for outcome in ("in_degree", "confidence"):
        for time, g in (("pre", 0.0), ("post", 0.4), ("follow_up", 0.3)):
            rows.append({"level": "child", "outcome": outcome, "time": time, "g": g,
                         "ci_low": g - 0.1, "ci_high": g + 0.1})
    rows.append({"level": "class", "outcome": "density", "time": "post", "g": 0.1,
                 "ci_low": 0.0, "ci_high": 0.2})
    return pd.DataFrame(rows)


def test_effect_sizes_legend_names_both_benchmarks_and_labels_fit():
    fig = plots.effect_sizes_figure(effect_table(), title="t")
    texts = [t.get_text() for t in fig.legends[0].get_texts()]
    assert texts[:2] == ["post: g, 95% CI", "follow-up: g, 95% CI"]
    for d, when in ((0.39, "just after"), (0.28, "at follow-up")):
        assert f"social-skills training {when}: d = {d:.2f} (Beelmann & Lösel 2006)" in texts
    ax = fig.axes[0]
    benchmarks = sorted(line.get_xdata()[0] for line in ax.get_lines()
                        if line.get_linestyle() in ("--", ":"))
    assert benchmarks == [0.28, 0.39]
    assert [t.get_text() for t in ax.get_yticklabels()][0] == "in degree, post"
    assert "density (class), post" in [t.get_text() for t in ax.get_yticklabels()]
    assert inside(fig, [ax.xaxis.label, *ax.get_yticklabels(), *fig.legends[0].get_texts()])


def test_gof_figure_labels_axes_band_and_p():
    rng = np.random.default_rng(1)
    simulated = rng.poisson(5, size=(200, 9)).cumsum(1).astype(float)
    fig = plots.gof_figure(simulated, simulated.mean(0) + 20, gof.labels("indegree"), 0.0,
                           "indegree, all periods", axes_text=gof.axes_text("indegree"))
    ax = fig.axes[0]
    assert ax.get_title() == "indegree, all periods: p < 0.005"  # 200 runs resolve 1/200
    assert ax.get_ylabel() == "actors with in-degree <= k" and ax.get_xlabel() == "in-degree k"
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == ["observed", "simulated (200 runs)", "simulated 5th-95th percentile"]
    assert inside(fig, [ax.xaxis.label, ax.yaxis.label, ax.title])
    triads = plots.gof_figure(simulated, simulated[0], gof.labels("indegree"), 0.5, "t",
                              standardise=True, axes_text=gof.axes_text("triads"))
    assert triads.axes[0].get_ylabel() == "triads of the type, standardised"
    assert "p = 0.500" in triads.axes[0].get_title()


def test_every_statistic_has_axis_text():
    assert all(all(gof.axes_text(name)) for name in gof.STATISTICS)


def salib_reference(prob, matrix, y):
    from SALib.analyze import morris

    return morris.analyze(prob, matrix, y, seed=1)


def test_elementary_effects_give_salibs_mu_star_and_sigma():
    """Brute force: our elementary effects of a known function over a SALib Morris design
    reproduce SALib's mu* and sigma."""
    from SALib.sample import morris as sample

    prob = {"num_vars": 4, "names": list("abcd"),
            "bounds": [[0, 1], [-2, 3], [10, 20], [0.1, 0.2]]}
    matrix = sample.sample(prob, 12, seed=3)
    a, b, c, _ = matrix.T
    y = 3 * a + b ** 2 - 0.2 * a * c  # d: no effect
    effects = elementary_effects(prob, matrix, y)
    assert effects.shape == (4, 12) and np.all(effects[3] == 0)
    ours, ref = morris_indices(effects), salib_reference(prob, matrix, y)
    np.testing.assert_allclose(ours["mu_star"], ref["mu_star"], rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(ours["sigma"], ref["sigma"], rtol=1e-9, atol=1e-12)


def test_mu_star_interval_stays_at_or_above_zero_where_salibs_does_not():
    effects = np.array([[0.0, 0.0, 0.0, 0.0, 0.0, 1.0], [0.5, -0.5, 0.4, -0.6, 0.5, -0.4]])
    res = morris_indices(effects, seed=2)
    draws = np.abs(effects[0])[np.random.default_rng(2).integers(6, size=(1000, 6))].mean(1)
    assert res["mu_star"][0] - 1.96 * draws.std(ddof=1) < 0  # SALib's mu* - 1.96 SD: < 0
    assert np.all(res["mu_star_low"] >= 0) and res["mu_star_low"][0] == 0
    assert np.all(res["mu_star_low"] <= res["mu_star"])
    assert np.all(res["mu_star"] <= res["mu_star_high"])
    assert np.all(res["mu_star_high"] <= np.abs(effects).max(1))
    zero = morris_indices(np.zeros((1, 5)))
    assert zero["mu_star_low"][0] == zero["mu_star_high"][0] == 0


def robustness_table() -> pd.DataFrame:
    rng = np.random.default_rng(4)
    rows = []
    for outcome in OUTCOMES:
        for time in ("post", "follow_up"):
            for a in ASSUMPTIONS:
                mu = rng.exponential(0.2)
                rows.append({"outcome": outcome, "time": time,
                             "parameter": a.path.format(group=0), "name": a.name,
                             "low": a.low, "high": a.high, "g_mean": 0.5, "mu_star": mu,
                             "mu_star_low": mu * 0.5, "mu_star_high": mu * 1.5, "sigma": mu})
    return pd.DataFrame(rows)


def test_robustness_figure_is_a_readable_grid(tmp_path):
    fig = robustness_figure(robustness_table(), tmp_path / "r.png")
    panels = [ax for ax in fig.axes if ax.axison]
    assert len(panels) == len(OUTCOMES)
    width, height = fig.get_size_inches() * 100
    assert width <= 2000 and height <= 1400  # was 1100 x 2640 px of 12 stacked panels
    labels = panels[0].get_yticklabels()
    assert [t.get_text() for t in labels][0] == "same-group tie effect (0.33 to 0.88)"
    assert min(t.get_fontsize() for t in labels) >= 9
    for ax in panels:
        assert ax.get_xlim()[0] == 0
        assert ax.get_title().startswith(tuple(o.replace("_", " ") for o in OUTCOMES))
    assert inside(fig, [*labels, *[ax.title for ax in panels]])
    import matplotlib.image as mpimg

    assert mpimg.imread(tmp_path / "r.png").shape[:2] == (round(height), round(width))
