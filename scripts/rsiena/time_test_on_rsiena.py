"""lbsim's time test on RSiena's own phase-3 simulations: the same definitions must give
RSiena's sienaTimeTest numbers to the digits it prints.

Run:  Rscript scripts/rsiena/time_test.R 1 /tmp/rsiena_arrays
      PYTHONPATH=. python scripts/rsiena/time_test_on_rsiena.py /tmp/rsiena_arrays
"""

import sys
from pathlib import Path

import numpy as np
import pandas as pd

from sim.saom import Estimate, Parameter, time_test
from sim.saom.results import Phase3

NAMES = {"density": "density", "recip": "recip", "transTrip": "transTrip",
         "altX": "altX:alcohol", "egoX": "egoX:alcohol", "simX": "simX:alcohol"}


def main(folder: Path) -> None:
    theta = pd.read_csv(folder / "theta.csv")
    targets = pd.read_csv(folder / "targets2.csv").to_numpy()
    m_count, k = targets.shape
    sf2 = pd.read_csv(folder / "sf2.csv").to_numpy().reshape(-1, m_count, k)
    ssc = pd.read_csv(folder / "ssc.csv").to_numpy().reshape(-1, m_count, k)
    names = tuple(Parameter.parse(NAMES[e]) for e in theta["effect"])
    p3 = Phase3(names, sf2.sum(1), ssc.sum(1), targets.sum(0), names,
                tuple(str(m + 1) for m in range(m_count)), sf2, ssc, targets)
    fit = Estimate(names, theta["theta"].to_numpy(), theta["se"].to_numpy(),
                   np.zeros(k, bool), np.diag(theta["se"].to_numpy() ** 2),
                   tuple(map(str, names)), targets.sum(0), sf2.sum(1).mean(0),
                   sf2.sum(1).std(0), np.zeros(k), 0.0, np.eye(k), phase3=p3)
    print(time_test(fit).table())


if __name__ == "__main__":
    main(Path(sys.argv[1]))
