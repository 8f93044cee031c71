"""The interactive app (sim/viz/app.py, ``lbsim viz``): the slider model, the page rendered in
Python, and the served page in headless Chromium (a screenshot with the network and plots)."""

from __future__ import annotations

import functools
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import numpy as np
import pytest

from sim.viz.app import (
    ClassroomModel,
    base_scenario,
    model_params,
    network_figure,
    on_grid,
    scenario_for,
    slider_label,
)
from sim.viz.plots import LB_COLOUR, OTHER_COLOUR
from sim.world.scenario import ScenarioError, load_scenario

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
# without the networking flags Chromium's own connections are refused on a closed network
BROWSER_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


# --- the model behind the sliders ---------------------------------------------------------

def test_sliders_change_the_scenario():
    base = base_scenario()
    s = scenario_for(base, left_behind_share=0.5, stigma=0.3, shyness=0.2, group_size=9,
                     sessions=3)
    assert s.population.left_behind_share == 0.5
    assert s.traits.stigma.left_behind_shift == 0.3
    assert s.traits.shyness.left_behind_shift == 0.2
    group = s.interventions[0]
    assert group.group_size == 9
    assert [x.theme for x in group.sessions] == [x.theme for x in
                                                 base.interventions[0].sessions[:3]]
    assert scenario_for(base, sessions=0).interventions == []
    assert scenario_for(base) is base


def test_slider_values_start_on_their_grid():
    share = {"type": "SliderFloat", "min": 0.0, "max": 0.8, "step": 0.01}
    assert on_grid({**share, "value": 0.207})["value"] == 0.21
    assert on_grid({**share, "value": 0.95})["value"] == 0.8
    seed = {"type": "SliderInt", "min": 0, "max": 50, "step": 1, "value": 7}
    assert on_grid(seed) == seed
    assert model_params(base_scenario().override({"seed": 2024}))["seed"]["value"] == 2024
    assert slider_label({**share, "label": "share left behind"}, 0.21) == \
        "share left behind: 0.21"


def test_bad_slider_values_are_refused_clearly():
    base = base_scenario()
    with pytest.raises(ValueError, match="sessions must be between 0 and 7"):
        scenario_for(base, sessions=8)
    with pytest.raises(ScenarioError, match="left_behind_share"):
        scenario_for(base, left_behind_share=1.5)
    no_group = load_scenario(ROOT / "scenarios" / "dafang_yuchong.yaml").model_copy(
        update={"interventions": []})
    with pytest.raises(ValueError, match="no growth group"):
        scenario_for(no_group, group_size=8)
    assert "group_size" not in model_params(no_group)
    assert {"left_behind_share", "stigma", "shyness", "group_size", "sessions"} <= set(
        model_params(base))


def test_classroom_model_runs_its_weeks_and_recruits_a_group():
    base = base_scenario().override({"weeks": 10})
    model = ClassroomModel(group_size=8, seed=3, base=base)
    assert model.group_members().size == 0
    while model.running:
        model.step()
    assert model.week == 10
    members = model.group_members()
    assert 1 <= members.size <= 8
    assert model.population.lb[members].all()  # referral of left-behind children
    fig = network_figure(model)
    assert len(fig.axes) == 2 and set(model.positions) == {0, 1}


def test_class_numbers_agree_in_run_figure_app_and_child(tmp_path, monkeypatch):
    """Classes are numbered from 1 wherever a person reads them: class index 0 is "class 1"
    in ``lbsim run``'s network figure, the app's network panel and a child's repr."""
    from sim.studies import run as run_module

    drawn = []
    draw = run_module.plots.network_figure

    def recording_draw(*args, **kwargs):
        drawn.append(draw(*args, **kwargs))
        return drawn[-1]

    monkeypatch.setattr(run_module.plots, "network_figure", recording_draw)
    base = base_scenario().override({"weeks": 1})
    run_module.run_scenario(base, tmp_path / "out")
    assert [ax.get_title() for ax in drawn[0].axes] == ["class 1, week 0", "class 1, week 1"]
    assert (tmp_path / "out" / "network_first_class.png").exists()

    model = ClassroomModel(base=base)
    assert [ax.get_title() for ax in network_figure(model).axes] == ["class 1, week 0",
                                                                      "class 2, week 0"]
    for c in (0, 1):
        child = next(a for a in model.children if a.class_index == c)
        assert child.index in range(model.population.start[c],
                                    model.population.start[c] + model.population.size[c])
        assert repr(child).startswith(f"Child({child.index}, class {c + 1}, ")
        assert child.class_label == model.population.class_label(c) == f"class {c + 1}"


def test_page_renders_the_network_and_plots_in_python(monkeypatch):
    """What a notebook cell shows (the page in solara's app layout, as Jupyter and the
    server show it): the two figures, sliders that show their values and none of Mesa's
    tuning controls; Step runs a week and Reset builds the school the sliders describe."""
    import ipyvuetify as v
    import ipywidgets
    import solara

    from sim.viz.app import Page

    built = []
    init = ClassroomModel.__init__

    @functools.wraps(init)  # Mesa's Reset passes what the signature accepts
    def recording_init(self, *args, **kwargs):
        init(self, *args, **kwargs)
        built.append(self)

    monkeypatch.setattr(ClassroomModel, "__init__", recording_init)

    @solara.component
    def InLayout():
        with solara.AppLayout():
            Page()

    _, rc = solara.render(InLayout(), handle_error=False)
    try:
        images = rc.find(ipywidgets.Image).widgets
        assert len(images) == 2
        assert all(w.value[:4] == b"\x89PNG" and len(w.value) > 5000 for w in images)
        params = model_params(base_scenario())
        sliders = {w.label: w for w in rc.find(v.Slider).widgets}
        assert set(sliders) == {slider_label(spec, spec["value"]) for spec in params.values()}
        # the school shown is the one the sliders describe
        assert [w.v_model for w in sliders.values()] == [s["value"] for s in params.values()]
        assert built[0].config.population.left_behind_share == sliders[
            "share left behind: 0.21"].v_model
        assert not rc.find(v.Checkbox).widgets  # Mesa's "Use Threads"
        assert [w.children for w in rc.find(v.Btn).widgets] == [["Reset"], ["▶"], ["Step"]]
        assert not rc.find(v.Tab).widgets  # Mesa's "Page 0" tab

        rc.find(v.Btn, children=["Step"]).widget.click()
        rc.find(v.Html, children=["week 1 of 40"]).assert_single()
        share = sliders[slider_label(params["left_behind_share"],
                                     params["left_behind_share"]["value"])]
        share.v_model = 0.5
        rc.find(v.Slider, label="share left behind: 0.50").assert_single()
        rc.find(v.Btn, children=["Reset"]).widget.click()
        rc.find(v.Html, children=["week 0 of 40"]).assert_single()
        assert len(built) == 2 and built[0].week == 1
        assert built[1].config.population.left_behind_share == 0.5
    finally:
        rc.close()


def test_viz_refuses_a_bad_scenario(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\npopulation: {left_behind_share: 2}\n")
    result = subprocess.run([sys.executable, "-m", "sim.cli.main", "viz", str(bad)],
                            capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert result.returncode == 2
    assert "left_behind_share" in result.stderr


# --- the served page in a browser ---------------------------------------------------------

def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start_viz(log_path: Path) -> tuple[subprocess.Popen, int]:
    """``lbsim viz`` on a free localhost port, in its own process group, once it answers."""
    port = _free_port()
    log = open(log_path, "w")
    proc = subprocess.Popen([sys.executable, "-m", "sim.cli.main", "viz", "--port", str(port),
                             "--host", "127.0.0.1"], cwd=ROOT, stdout=log,
                            stderr=subprocess.STDOUT, start_new_session=True)
    log.close()
    deadline = time.monotonic() + 120
    while True:
        if proc.poll() is not None:
            pytest.fail(f"lbsim viz exited with {proc.returncode}:\n{log_path.read_text()}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2) as response:
                if response.status == 200:
                    return proc, port
        except OSError:
            pass
        if time.monotonic() > deadline:
            _stop_group(proc)
            pytest.fail("lbsim viz did not answer within 120 s")
        time.sleep(0.5)


def _stop_group(proc: subprocess.Popen) -> None:
    """End ``proc``'s process group (what a test started), however it behaves."""
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=20)
    except ProcessLookupError:
        return
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)


@pytest.fixture
def server(tmp_path):
    """The URL of ``lbsim viz`` on a free localhost port, stopped after the test."""
    proc, port = _start_viz(tmp_path / "server.log")
    try:
        yield f"http://127.0.0.1:{port}/"
    finally:
        _stop_group(proc)


def _listening(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


def _processes_serving(port: int) -> list[str]:
    """Command lines of the running processes started with ``--port <port>``."""
    found = []
    for proc in Path("/proc").iterdir():
        try:
            words = (proc / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"--port" in words and str(port).encode() in words:
            found.append(b" ".join(words).decode(errors="replace"))
    return found


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc").is_dir(), reason="reads the process table in /proc")
def test_sigterm_to_viz_stops_the_server(tmp_path):
    """``kill <pid of lbsim viz>`` ends the server: nothing keeps listening, no child stays."""
    proc, port = _start_viz(tmp_path / "server.log")
    try:
        assert _listening(port) and _processes_serving(port)
        proc.send_signal(signal.SIGTERM)  # to lbsim's own PID only, as `kill` does
        proc.wait(timeout=30)
        deadline = time.monotonic() + 10
        while (_listening(port) or _processes_serving(port)) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not _listening(port), f"port {port} still served after SIGTERM"
        assert not _processes_serving(port), "a server process outlived lbsim viz"
    finally:
        _stop_group(proc)


def _colour_share(pixels: np.ndarray, colour: str, tolerance: int = 40) -> float:
    rgb = np.array([int(colour[k:k + 2], 16) for k in (1, 3, 5)])
    return float((np.abs(pixels[..., :3].astype(int) - rgb).max(-1) < tolerance).mean())


def _ink_share(pixels: np.ndarray) -> float:
    """Share of pixels that are not (near) white."""
    return float((pixels[..., :3].min(-1) < 235).mean())


@pytest.mark.slow
def test_app_page_shows_network_and_plots_in_chromium(server, tmp_path):
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing: .ci/run installs Debian's chromium")
        pytest.skip(f"{CHROMIUM} not installed (apt-get install -y chromium)")
    from PIL import Image
    from playwright.sync_api import sync_playwright

    shot = tmp_path / "app.png"
    with sync_playwright() as p:
        # playwright gives every launch a fresh profile (user data directory)
        browser = p.chromium.launch(executable_path=CHROMIUM, args=BROWSER_FLAGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.goto(server, timeout=60_000)
            page.wait_for_selector("text=week 0 of", timeout=180_000)  # after "Loading app"
            page.get_by_role("button", name="Step").click(timeout=60_000)
            page.wait_for_selector("text=week 1 of", timeout=60_000)
            images = page.locator(".lbsim-figure img")
            images.nth(1).wait_for(timeout=60_000)
            time.sleep(1)  # let the redrawn figures paint
            boxes = [images.nth(k).bounding_box() for k in range(images.count())]
            page.screenshot(path=str(shot))
            text = page.inner_text("body")
        finally:
            browser.close()
    # the sliders show their values; Mesa's tuning controls and page tabs are not shown
    params = model_params(base_scenario())
    for name in ("left_behind_share", "group_size"):
        label = slider_label(params[name], params[name]["value"])
        assert label in text, f"slider label {label!r} not on the page"
    for hidden in ("Render Interval", "Use Threads", "PAGE 0", "Page 0", "Play Interval"):
        assert hidden not in text, f"{hidden!r} is shown"
    pixels = np.asarray(Image.open(shot).convert("RGB"))
    assert _ink_share(pixels) > 0.05, "the page is blank"
    assert len(boxes) == 2, f"expected the network and the outcome plots, found {boxes}"

    def crop(box):
        return pixels[int(box["y"]):int(box["y"] + box["height"]),
                      int(box["x"]):int(box["x"] + box["width"])]

    network, plots = crop(boxes[0]), crop(boxes[1])
    assert network.size and plots.size
    assert _colour_share(network, LB_COLOUR) > 0.001, "no left-behind (orange) children"
    assert _colour_share(network, OTHER_COLOUR) > 0.002, "no other (green) children"
    assert _colour_share(plots, "#444444", tolerance=30) > 0.001, "no plotted lines"
    assert _ink_share(plots) > 0.02

