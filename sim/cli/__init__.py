"""The ``lbsim`` command line: :mod:`sim.cli.main` holds the app and the classroom
commands, :mod:`sim.cli.saom` the engine's, :mod:`sim.cli.support` what they share."""
