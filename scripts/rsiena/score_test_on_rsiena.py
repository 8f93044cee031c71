"""lbsim's score-type test on RSiena's own phase-3 simulations: the same definitions must
give RSiena's generalised score test (and one-step estimates) to the digits it prints.

Run:  Rscript scripts/rsiena/score_test.R /tmp/rsiena_score
      PYTHONPATH=. python scripts/rsiena/score_test_on_rsiena.py /tmp/rsiena_score
"""

import sys
from pathlib import Path

import numpy as np
import pandas as pd

from sim.saom import Estimate, Parameter, score_test
from sim.saom.results import Phase3


def name(row) -> Parameter:
    """lbsim's name of one of RSiena's parameters (the model of score_test.R)."""
    behaviour = "drink: " if row["name"] == "drink" else ""
    if row["short"] == "Rate":
        return Parameter.parse(f"rate {behaviour.rstrip(': ')} {int(row['period'])}"
                               .replace("  ", " "), ["drink"])
    if row["short"] in ("egoX", "altX", "simX"):
        return Parameter.parse(f"{row['short']}:drink")
    return Parameter.parse(f"{behaviour}{row['short']}", ["drink"])


def main(folder: Path) -> None:
    rows = pd.read_csv(folder / "parameters.csv")
    targets = pd.read_csv(folder / "targets2.csv").to_numpy()
    m_count, p = targets.shape
    sf2 = pd.read_csv(folder / "sf2.csv").to_numpy().reshape(-1, m_count, p)
    ssc = pd.read_csv(folder / "ssc.csv").to_numpy().reshape(-1, m_count, p)
    names = tuple(name(r) for _, r in rows.iterrows())
    effects = [c for c, n in enumerate(names) if not n.is_rate]
    p3 = Phase3(names, sf2.sum(1), ssc.sum(1), targets.sum(0),
                tuple(names[c] for c in effects), tuple(str(m + 1) for m in range(m_count)),
                sf2[:, :, effects], ssc[:, :, effects], targets[:, effects])
    fixed = rows["fixed"].to_numpy(bool)
    free = int((~fixed).sum())
    fit = Estimate(names, rows["theta"].to_numpy(), np.where(fixed, np.nan, 0.0), fixed,
                   np.eye(free), tuple(str(n) for n, f in zip(names, fixed, strict=True) if not f),
                   np.zeros(free), np.zeros(free), np.ones(free), np.zeros(free), 0.0,
                   np.eye(free), phase3=p3)
    print(score_test(fit).table())


if __name__ == "__main__":
    main(Path(sys.argv[1]))
