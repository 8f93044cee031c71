"""What people look at: matplotlib figures of a run (:mod:`sim.viz.plots`) and the
interactive classroom in the browser (:mod:`sim.viz.app`)."""
