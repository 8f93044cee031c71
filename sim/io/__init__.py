"""Inputs: survey files (:mod:`sim.io.read`, :mod:`sim.io.survey`), observed waves for
estimation (:mod:`sim.io.waves`) and saved fits (:mod:`sim.io.fit`)."""
