"""Kinds of the covariate factors of a compiled program (:mod:`sim.saom.program`, whose
docstring defines them), shared by the program and the kernels."""

EGO, ALTER, SIM, SAME, EGOALT, DYADIC, LABEL = range(7)
