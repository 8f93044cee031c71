"""The effect registry and the parsing of effect keys."""

import pytest

from sim.saom import effects as fx


def test_registry_has_the_required_effects():
    required = {"density", "recip", "transTrip", "transTies", "cycle3", "gwespFF", "inPop",
                "inPopSqrt", "outAct", "outActSqrt", "outPop", "outPopSqrt", "egoX", "altX",
                "simX", "sameX", "egoXaltX", "X"}
    assert required <= set(fx.EFFECTS)
    assert "RateX" in fx.RATE_EFFECTS
    listing = fx.describe()
    for name in required:
        assert name in listing


def test_structural_codes_are_distinct_and_dense():
    codes = sorted(e.code for e in fx.EFFECTS.values() if e.kind == "structural")
    assert codes == list(range(fx.N_STRUCTURAL_CODES))


@pytest.mark.parametrize("key, names, covs", [
    ("density", ["density"], [None]),
    ("simX:alc", ["simX"], ["alc"]),
    ("egoX:stigma*altX:notlb", ["egoX", "altX"], ["stigma", "notlb"]),
    ("egoX:conf*transTrip", ["egoX", "transTrip"], ["conf", None]),
    ("recip*X:group", ["recip", "X"], [None, "group"]),
])
def test_parse_key(key, names, covs):
    terms = fx.parse_key(key)
    assert [t.effect.name for t in terms] == names
    assert [t.covariate for t in terms] == covs


def test_gwesp_internal_parameter():
    assert fx.parse_term("gwespFF").param == 69.0
    assert fx.parse_term("gwespFF(50)").param == 50.0
    with pytest.raises(ValueError, match="no internal parameter"):
        fx.parse_term("recip(3)")
    with pytest.raises(ValueError, match="must be a number"):
        fx.parse_term("gwespFF(abc)")


@pytest.mark.parametrize("key, message", [
    ("transtrip", "Did you mean 'transTrip'"),
    ("egoX", "needs an actor covariate"),
    ("X", "needs a dyadic covariate"),
    ("density:alc", "takes no covariate"),
    ("transTrip*cycle3", "not allowed"),
    ("altX:a*transTrip", "not allowed"),
    ("density*egoX:a", "density in an interaction"),
    ("", "non-empty"),
    ("egoX:", "cannot read effect"),
])
def test_bad_keys(key, message):
    with pytest.raises(ValueError, match=message):
        fx.parse_key(key)


def test_rate_keys():
    assert fx.parse_rate_key("RateX:shy") == "shy"
    with pytest.raises(ValueError, match="Allowed: RateX"):
        fx.parse_rate_key("rate:shy")
    with pytest.raises(ValueError, match="needs a covariate"):
        fx.parse_rate_key("RateX")
