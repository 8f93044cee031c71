"""Inputs: survey files (:mod:`sim.io.read`, :mod:`sim.io.survey`), observed waves for
estimation (:mod:`sim.io.waves`, a manifest of classes :mod:`sim.io.manifest`, what to fit
:mod:`sim.io.estimation`) and saved fits (:mod:`sim.io.fit`).

The public names are imported on first use (:mod:`sim.lazy`)."""

from sim.lazy import lazy_exports

_HOMES = {
    "DataError": "sim.io.read",
    "read_adjacency": "sim.io.read",
    "read_edge_list": "sim.io.read",
    "Attributes": "sim.io.read",
    "read_attributes": "sim.io.read",
    "Survey": "sim.io.survey",
    "read_survey": "sim.io.survey",
    "read_waves": "sim.io.waves",
    "read_manifest": "sim.io.manifest",
    "SavedFit": "sim.io.fit",
    "save_fit": "sim.io.fit",
    "load_fit": "sim.io.fit",
}

__all__ = list(_HOMES)

__getattr__, __dir__ = lazy_exports(__name__, _HOMES)
