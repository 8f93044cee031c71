"""Scenario sweeps: a design of parameter points x replications, run in batches by a local
process pool or a Dask cluster, stored as one Parquet file per finished batch.

The four parts are separate and joined by plain data (spec.py: what to run; design.py:
which points; runner.py: running a batch; executors.py: where batches run; store.py:
files on disk).
"""
