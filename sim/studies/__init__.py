"""Studies built on the classroom world: a run and its files, virtual trials, robustness,
the magnitudes' samples, calibration to survey data and to published evidence, sweeps
and staffing reports, goodness of fit of an estimated SAOM."""
