"""The engine's numba internals: the network ministep kernels, the co-evolution process,
the random streams and a bit-exact exp. Private: use them through :mod:`sim.saom`."""
