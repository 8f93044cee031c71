"""Evidence as data: published findings lbsim must reproduce, each replayed in lbsim's own
world (docs/evidence.md). :mod:`sim.evidence.spec` reads and checks a findings file,
:mod:`sim.evidence.replay` runs each replication kind, :mod:`sim.evidence.table` puts
published and simulated figures side by side (``lbsim evidence``)."""
