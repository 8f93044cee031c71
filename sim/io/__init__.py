"""Inputs: survey files (:mod:`sim.io.read`, :mod:`sim.io.survey`), observed waves for
estimation (:mod:`sim.io.waves`, a manifest of classes :mod:`sim.io.manifest`, what to fit
:mod:`sim.io.estimation`) and saved fits (:mod:`sim.io.fit`)."""
