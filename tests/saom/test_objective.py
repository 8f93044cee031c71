"""The ministep objective compiled for the model at hand (sim.saom._numba.objective): it
computes only the model's own effects, the same values as the effects one at a time, and
one compiled function serves every model of one structure."""

import pickle

import numba
import numpy as np
import pytest
from numba._dispatcher import compute_fingerprint

from sim.saom import effects as fx
from sim.saom._numba import kernels, objective, structural
from sim.saom.program import compile_effects, covariate_data

S50 = {"density": -1.8, "recip": 2.37, "transTrip": 0.71, "inPopSqrt": -0.54,
       "altX:a": -0.04, "egoX:a": 0.03, "simX:a": 0.54}
EVERYTHING = {"density": -1.5, "recip": 1.1, "transTrip": 0.3, "transTies": 0.4,
              "cycle3": -0.2, "gwespFF": 0.6, "inPop": -0.05, "inPopSqrt": 0.1, "outAct": -0.1,
              "outActSqrt": 0.05, "outPop": 0.1, "outPopSqrt": -0.2, "altX:a": -0.3,
              "egoX:a": 0.2, "simX:a": 0.5, "sameX:b": 0.3, "egoXaltX:a": 0.1, "X:w": 0.4,
              "X:g": 0.3, "recip[endow]": 0.9, "density[creation]": -0.3,
              "simX:a[endow]": 0.4, "egoX:a*altX:b[creation]": 0.5, "altX:a*recip": 0.3,
              "egoX:a*transTrip": 0.2, "simX:b*X:w": -0.4, "inPopSqrt[endow]": 0.2}


def source_of(effects):
    p = compile_effects(effects, actor=["a", "b"], dyadic=["w"], labels=["g"])
    return objective.source(objective.structure(p.codes, p.gate, p.slot, p.fac_start,
                                                p.fac_kind))


def test_the_source_calls_only_the_models_own_contributions():
    text = source_of(S50)
    called = {name for name in (f.__name__ for f in structural.BY_CODE.values())
              if f"    {name}(" in text}
    assert called == {"recip", "trans_trip", "in_pop_sqrt"}
    assert "two_paths_from(x, k, iw)" in text  # transTrip reads the two-paths
    assert text.count("factor_at(") == 2  # altX and simX; egoX is a constant per actor
    plain = source_of({"density": -1.0, "recip": 1.0, "inPop": 0.1})
    assert "two_paths_from(x, k" not in plain and "factor_at(" not in plain
    density = source_of({"density": -1.0})
    assert "out_neighbours(x" not in density and "    recip(" not in density


@numba.njit
def _objective(prog, i, x, xt, indeg, outdeg, iw, data, fw):
    kernels.call_objective(prog.objective_address, i, x, xt, indeg, outdeg, iw, prog.gwesp,
                           data, fw, prog.beta, prog.fac_cov)


@numba.njit
def _one_at_a_time(prog, i, x, data, fw, out):
    """out[j] = sum_e beta_e c_e(j), the effects one at a time (:func:`effect_row`)."""
    for j in range(x.shape[0]):
        out[j] = 0.0
    for e in range(prog.beta.shape[0]):
        kernels.effect_row(e, i, x, prog, data, fw)
        for j in range(x.shape[0]):
            out[j] += prog.beta[e] * fw[kernels.PROD, j]


def random_state(rng, n):
    x = (rng.random((n, n)) < 0.2).astype(np.int8)
    np.fill_diagonal(x, 0)
    xt = np.ascontiguousarray(x.T)
    return x, xt, x.sum(0).astype(np.int64), x.sum(1).astype(np.int64)


@pytest.mark.parametrize("effects", [S50, EVERYTHING], ids=["s50", "everything"])
def test_compiled_objective_is_the_sum_of_the_effects_one_at_a_time(effects):
    rng = np.random.default_rng(7)
    n = 23
    p = compile_effects(effects, actor=["a", "b"], dyadic=["w"], labels=["g"])
    for _ in range(3):
        prog = p.arrays(n)._replace(beta=rng.normal(size=len(p.beta)))
        data = covariate_data(p, n, actor=np.stack([rng.normal(size=n),
                                                    rng.integers(0, 3, n) + 0.0]),
                              dyadic=rng.normal(size=(1, n, n)),
                              labels=rng.integers(-1, 3, (1, n)),
                              strength=rng.random((1, n))).arrays()
        x, xt, indeg, outdeg = random_state(rng, n)
        iw, fw, _, _ = kernels.workspace(n, len(p.codes))
        out = np.zeros(n)
        for i in range(n):
            _objective(prog, i, x, xt, indeg, outdeg, iw, data, fw)
            _one_at_a_time(prog, i, x, data, fw, out)
            np.testing.assert_allclose(fw[kernels.SCORE], out, rtol=1e-12, atol=1e-12)
            iw2, fw2, _, _ = kernels.workspace(n, 1)
            k = structural.out_neighbours(x, i, iw2)
            structural.two_paths_from(x, k, iw2)
            for a, code in enumerate(p.codes):  # the contributions the scores read
                structural.contributions(code, x, xt, i, indeg, outdeg, k, iw2, prog.gwesp,
                                         fw2, kernels.BUF)
                np.testing.assert_array_equal(fw[kernels.BUF + a], fw2[kernels.BUF])

def test_one_compiled_function_per_structure_and_it_pickles():
    programs = [compile_effects(S50, actor=["a"]),
                compile_effects({k: 2 * v for k, v in S50.items()}, actor=["a"]),
                compile_effects({**S50, "recip[endow]": 1.0}, actor=["a"])]
    a, b, c = (p.objective for p in programs)
    assert a is b and a is not c
    assert pickle.loads(pickle.dumps(programs[0])).objective is a
    arrays = programs[2].arrays(10)
    again = pickle.loads(pickle.dumps(arrays))
    assert again.objective_address == c.address
    for field, value in zip(arrays._fields[:-1], arrays[:-1], strict=True):
        np.testing.assert_array_equal(getattr(again, field), value)
    with pytest.raises(TypeError, match="cannot pickle"):
        pickle.dumps(numba.cfunc("float64(float64)")(lambda v: v))


def test_the_kernels_type_a_program_without_python():
    """The program's arrays hold the objective's address, a number: numba's dispatcher
    types them from a fingerprint computed in C (a compiled function in the tuple has
    none, and typing it in Python took 40 times longer)."""
    p = compile_effects(S50, actor=["a"])
    assert compute_fingerprint(p.arrays(10))
    with pytest.raises(NotImplementedError):
        compute_fingerprint(p.arrays(10)._replace(objective_address=p.objective))


def test_every_structural_code_has_its_function():
    assert sorted(structural.BY_CODE) == list(range(fx.N_STRUCTURAL_CODES))
