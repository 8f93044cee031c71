"""scripts/output_checksums.py: the checksums of one small item (the s50 estimate through the
``lbsim`` command line) are the same in two runs at the same seed, md5s of every file."""

import importlib.util
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def load_script():
    spec = importlib.util.spec_from_file_location(
        "output_checksums", ROOT / "scripts" / "output_checksums.py")
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    return script


def test_the_json_normaliser_blanks_times_and_versions_only():
    script = load_script()
    data = {"seconds": 3.2, "lbsim_version": "0.1.0", "seed": 1,
            "estimate": {"seconds": 31.8, "theta": [1.5, 2.0]}}
    assert script._normalise_json(data) == {
        "seconds": "<normalised>", "lbsim_version": "<normalised>", "seed": 1,
        "estimate": {"seconds": "<normalised>", "theta": [1.5, 2.0]}}
    assert script.DURATION.sub("<s>", "seed 1, 31.9 s") == "seed 1, <s>"


@pytest.mark.slow
def test_the_s50_estimate_checksums_are_md5s_and_the_same_twice():
    script = load_script()
    first = script.checksums(["estimate_s50"])
    second = script.checksums(["estimate_s50"])
    assert first == second
    assert {"estimate_s50/estimates.csv", "estimate_s50/covariance.csv",
            "estimate_s50/fit.json", "estimate_s50/stdout"} <= set(first)
    assert all(re.fullmatch(r"[0-9a-f]{32}", value) for value in first.values())
    assert first["estimate_s50/estimates.csv"] != first["estimate_s50/covariance.csv"]
