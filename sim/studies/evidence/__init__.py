"""Evidence as data: published findings lbsim must reproduce, each replayed in lbsim's own
world (docs/evidence.md). :mod:`sim.studies.evidence.spec` reads and checks a findings file,
:mod:`sim.studies.evidence.replay` runs each replication kind, :mod:`sim.studies.evidence.table`
puts
published and simulated figures side by side (``lbsim evidence``)."""
