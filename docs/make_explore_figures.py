"""Regenerate the README's Explore pictures: docs/growth_group_network.png (a class before
and after the Dafang growth group) and docs/app.png (the app in headless Chromium after 12
weeks). Run from the repository root: ``.venv/bin/python docs/make_explore_figures.py``."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import numpy as np

from sim.viz import plots
from sim.world.model import PeerNetworkModel
from sim.world.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"


def network_picture(seed: int = 1) -> None:
    """The class with the most group members, at week 0 and at the end of the year."""
    model = PeerNetworkModel(load_scenario(ROOT / "scenarios" / "dafang_yuchong.yaml"),
                             seed=seed)
    pop = model.population
    starts = [plots.class_network(model, c)[0] for c in range(pop.n_classes)]
    model.run()
    members = np.unique(np.concatenate([p.members for p in model.interventions
                                        if hasattr(p, "members")]))
    c = int(np.bincount(pop.klass[members], minlength=pop.n_classes).argmax())
    end, lb = plots.class_network(model, c)
    ring = np.zeros(len(lb), dtype=bool)
    ring[members[pop.klass[members] == c] - pop.start[c]] = True
    plots.network_figure(starts[c], end, lb, DOCS / "growth_group_network.png",
                         labels=(f"{pop.class_label(c)}, week 0 (before the group)",
                                 f"{pop.class_label(c)}, week {model.week} (end of the year)"),
                         highlight=ring, highlight_label="growth group (weeks 8-14)")


def app_picture(weeks: int = 12) -> None:
    """``lbsim viz`` in headless Chromium after ``weeks`` steps."""
    from playwright.sync_api import sync_playwright

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = subprocess.Popen([sys.executable, "-m", "sim.cli.main", "viz", "--port", str(port),
                               "--host", "127.0.0.1"], cwd=ROOT, start_new_session=True)
    url = f"http://127.0.0.1:{port}/"
    try:
        for _ in range(240):
            try:
                urllib.request.urlopen(url, timeout=2)
                break
            except OSError:
                time.sleep(0.5)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=[
                "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--no-first-run"])
            page = browser.new_page(viewport={"width": 1400, "height": 820})
            page.goto(url, timeout=60_000)
            # the page says "Loading app" until the app's widgets arrive; wait for them
            page.wait_for_selector("text=week 0 of", timeout=300_000)
            for week in range(1, weeks + 1):
                page.get_by_role("button", name="Step").click(timeout=60_000)
                page.wait_for_selector(f"text=week {week} of", timeout=60_000)
            time.sleep(2)
            page.screenshot(path=str(DOCS / "app.png"))
            browser.close()
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=20)


if __name__ == "__main__":
    network_picture()
    app_picture()
