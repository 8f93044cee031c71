"""pytest puts this folder on sys.path (its conftest), so tests in every subfolder import
the shared helpers as ``from helpers import ...``."""
