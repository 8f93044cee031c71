# lbsim: the two commands of the README are `make run` and `make test`; `make viz` starts
# the app, `make notebooks` Jupyter Lab on the notebooks.
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

NOTEBOOKS_STAMP := $(VENV)/.notebooks-installed

.PHONY: setup run viz notebooks test test-quick bench docs apidocs slips lint typecheck clean

setup: $(STAMP)

# lbsim needs Python >= 3.12 (Mesa 3.5 does): a .venv made with an older one is refused
$(STAMP): pyproject.toml scripts/find_python.sh
	@PYTHON=$$(scripts/find_python.sh) || exit 1; \
	 if [ ! -x $(PY) ]; then echo "creating $(VENV) with $$PYTHON"; $$PYTHON -m venv $(VENV) || exit 1; fi
	@$(PY) -c 'import sys; sys.exit(sys.version_info < (3, 12))' || { \
	 echo "$(VENV) has $$($(PY) -V 2>&1), but lbsim needs Python >= 3.12 (Mesa 3.5 requires it):" \
	      "remove it (make clean) and run make again" >&2; exit 1; }
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

run: setup
	$(VENV)/bin/lbsim run scenarios/dafang_yuchong.yaml --out out/dafang_yuchong --overwrite

# the app on http://localhost:8765 (Ctrl-C stops it)
viz: setup
	$(VENV)/bin/lbsim viz

# Jupyter Lab on notebooks/ (adds the notebooks extra to .venv first)
notebooks: $(NOTEBOOKS_STAMP)
	$(VENV)/bin/jupyter lab notebooks

$(NOTEBOOKS_STAMP): $(STAMP)
	$(PY) -m pip install --quiet -e '.[dev,notebooks]'
	@touch $(NOTEBOOKS_STAMP)

test: setup
	$(PY) -m pytest -n 2 --dist loadgroup -q

test-quick: setup
	$(PY) -m pytest -q -m "not slow"

bench: setup
	$(PY) benchmarks/bench_saom.py
	$(PY) benchmarks/bench_model.py
	$(PY) benchmarks/bench_sweep.py
	$(PY) benchmarks/bench_estimate.py
	$(PY) benchmarks/bench_breakdown.py
	$(PY) benchmarks/bench_survey.py

# the numbers in README.md and docs/*.md, recomputed (docs/make_docs.py; several minutes:
# the county staffing sweep); `$(PY) docs/make_docs.py --render` only rewrites the text
docs: setup
	$(PY) docs/make_docs.py

# each one-line slip of scripts/slips.py must fail a quick test
slips: setup
	$(PY) scripts/slips.py

lint: setup
	$(VENV)/bin/ruff check sim tests benchmarks docs scripts

# mypy on sim/ (settings and the modules left out, with why: [tool.mypy] in pyproject.toml)
typecheck: setup
	$(VENV)/bin/mypy

# the API reference from the docstrings (mkdocs.yml, docs/api/) into site/; --strict fails
# on a broken cross-reference or a page missing from the navigation
apidocs: setup
	$(VENV)/bin/mkdocs build --strict --site-dir site

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .mypy_cache site
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
