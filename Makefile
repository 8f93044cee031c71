# lbsim: the two commands of the README are `make run` and `make test`.
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: setup run test test-quick bench docs lint clean

setup: $(STAMP)

$(STAMP): pyproject.toml scripts/find_python.sh
	@PYTHON=$$(scripts/find_python.sh) || exit 1; \
	 if [ ! -x $(PY) ]; then echo "creating $(VENV) with $$PYTHON"; $$PYTHON -m venv $(VENV) || exit 1; fi
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

run: setup
	$(VENV)/bin/lbsim run scenarios/dafang_yuchong.yaml --out out/dafang_yuchong --overwrite

test: setup
	$(PY) -m pytest -n 2 --dist loadgroup -q

test-quick: setup
	$(PY) -m pytest -q -m "not slow"

bench: setup
	$(PY) benchmarks/bench_saom.py
	$(PY) benchmarks/bench_model.py
	$(PY) benchmarks/bench_sweep.py
	$(PY) benchmarks/bench_estimate.py

# the numbers in README.md and docs/*.md, recomputed (docs/make_docs.py; several minutes:
# the county staffing sweep); `$(PY) docs/make_docs.py --render` only rewrites the text
docs: setup
	$(PY) docs/make_docs.py

lint: setup
	$(VENV)/bin/ruff check sim tests benchmarks docs

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
