"""Scenarios: the shipped YAMLs, the documented defaults, and errors that name field and fix."""

from pathlib import Path

import pytest

from sim.cli.main import validate_command
from sim.vocabulary import ACTOR_COVARIATES, DYADIC_COVARIATES
from sim.world.population import PopulationSection as Population
from sim.world.scenario import Scenario, ScenarioError, load_scenario, parse_scenario

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"


def problems(data) -> list[str]:
    """The problem lines of parsing ``data``; fails if it parses."""
    with pytest.raises(ScenarioError) as info:
        parse_scenario(data)
    return info.value.problems


def minimal(**sections) -> dict:
    """A valid scenario mapping with ``sections`` merged into it."""
    data = {"name": "t", "population": {}}
    for key, value in sections.items():
        data[key] = {**data[key], **value} if isinstance(value, dict) and key in data else value
    return data


def write(tmp_path, text: str) -> Path:
    path = tmp_path / "s.yaml"
    path.write_text(text, encoding="utf-8")
    return path


# --- Shipped scenarios ------------------------------------------------------------------

def test_dafang_scenario_loads():
    s = load_scenario(SCENARIOS / "dafang_yuchong.yaml")
    p = s.population
    assert s.name == "dafang_yuchong" and s.weeks == 40
    [group] = s.interventions  # docs/model.md §1: 6 members, 7 weekly sessions in 3 stages
    assert group.type == "growth_group" and group.group_size == 6
    assert [x.stage for x in group.sessions] == ["thaw"] * 2 + ["change"] * 3 + [
        "reinvention"] * 2
    assert (p.schools, p.classes_per_school, p.grade) == (1, 2, 5)
    assert p.left_behind_share == 0.207 and p.class_size.mean == 45


def test_shanxi_scenario_loads():
    s = load_scenario(SCENARIOS / "shanxi_l_village.yaml")
    p = s.population
    assert s.name == "shanxi_l_village"
    assert [i.type for i in s.interventions] == ["growth_group", "family_contact",
                                                 "anti_stigma", "teacher_training"]
    assert len(s.interventions[0].sessions) == 6
    assert (p.schools, p.classes_per_school) == (1, 3)
    assert p.left_behind_share > 0.207 and p.class_size.mean < 45


# --- Defaults ---------------------------------------------------------------------------

def test_defaults_are_the_model_md_values():
    s = parse_scenario({"name": "t", "population": {}})
    p, net, tr, td = s.population, s.network, s.traits, s.trait_dynamics
    assert (s.seed, s.weeks, s.description, s.interventions) == (1, 40, "", [])
    assert (p.schools, p.classes_per_school, p.grade) == (1, 1, 5)
    assert (p.class_size.mean, p.class_size.sd, p.class_size.min, p.class_size.max) == (
        45, 4, 20, 70)
    assert (p.left_behind_share, p.girl_share) == (0.207, 0.48)
    assert p.migration == {"father": 0.45, "mother": 0.10, "both": 0.45}
    assert p.guardian == {"grandparents": 0.75, "one_parent": 0.15, "other_relatives": 0.10}
    assert (p.separation_months.mean, p.separation_months.sd) == (30, 15)
    assert net.effects == {
        "density": -1.45, "recip": 2.4, "transTrip": 0.62, "inPopSqrt": -0.5,
        "outActSqrt": -0.3, "sameX:girl": 0.6, "altX:lb": -0.15, "sameX:lb": -0.1,
        "egoX:confidence": 0.08, "egoX:felt_stigma*altX:notlb": -0.07, "X:same_group": 0.606}
    assert net.rate_effects == {"RateX:shyness": -0.08, "RateX:confidence": 0.05}
    assert (net.rate, net.weeks_per_year, net.max_outdegree) == (6.85, 40, 5)
    assert (net.cross_class_ties, net.cross_class_penalty) == (False, 2.0)
    assert (net.initial_density, net.burn_in_years) == (0.05, 7.0)
    betas = {name: (d.a, d.b, d.left_behind_shift) for name, d in tr}
    assert betas == {"shyness": (2, 5, 0.05), "confidence": (5, 3, -0.05),
                     "stigma": (2, 6, 0.10), "guardian_care": (5, 2, -0.15),
                     "communication": (4, 3, -0.05)}
    assert td.adjustment == 0.05
    assert td.confidence == {"guardian_care": 0.2, "reciprocated_friends": 0.05,
                             "stigma": -0.2, "unreturned_nominations": -0.05}
    assert td.stigma == {"ties_to_non_lb": -0.05, "rejection": 0.05}
    assert td.shyness == {"reciprocated_friends": -0.02}


def test_defaults_pass_their_own_validation():
    # pydantic does not validate defaults; a full round trip does.
    s = Scenario(name="t", population=Population())
    assert parse_scenario(s.model_dump()) == s


def test_default_mappings_are_not_shared_between_scenarios():
    a = parse_scenario({"name": "a", "population": {}})
    a.network.effects["recip"] = 9.0
    a.population.migration["father"] = 0.0
    b = parse_scenario({"name": "b", "population": {}})
    assert b.network.effects["recip"] == 2.4 and b.population.migration["father"] == 0.45


def test_covariate_lists_are_exported():
    assert "lb" in ACTOR_COVARIATES and "notlb" in ACTOR_COVARIATES
    assert DYADIC_COVARIATES == ("same_group",)


def test_a_scenario_effects_mapping_replaces_the_defaults():
    s = parse_scenario(minimal(network={"effects": {"density": -2.0, "gwespFF(69)": 1.5}}))
    assert s.network.effects == {"density": -2.0, "gwespFF(69)": 1.5}


def test_yaml_reads_exponent_notation_as_a_number(tmp_path):
    s = load_scenario(write(tmp_path, "name: t\npopulation: {}\nnetwork:\n  rate: 5e0\n"
                                      "  effects: {density: -1.5E+0, recip: 1e-3}\n"))
    assert s.network.rate == 5.0 and s.network.effects == {"density": -1.5, "recip": 0.001}


# --- Errors: field path, value, what is allowed -----------------------------------------

def test_typo_key_suggests_the_nearest():
    [line] = problems(minimal(population={"left_behnd_share": 0.3}))
    assert line == ("population.left_behnd_share: 0.3 — unknown key; "
                    "did you mean 'left_behind_share'?")


def test_unknown_key_without_a_near_match_lists_the_allowed_keys():
    [line] = problems(minimal(network={"zzz": 1}))
    assert line.startswith("network.zzz: 1 — unknown key; allowed: rate, weeks_per_year,")


@pytest.mark.parametrize("value", [1.4, -0.1])
def test_share_outside_0_1(value):
    [line] = problems(minimal(population={"left_behind_share": value}))
    assert line == f"population.left_behind_share: {value!r} — must be between 0 and 1"


@pytest.mark.parametrize(("field", "value", "allowed"), [
    ("mean", -5, "must be at least 2"),
    ("min", -3, "must be at least 2"),
    ("sd", -1, "must be at least 0"),
])
def test_negative_class_size(field, value, allowed):
    [line] = problems(minimal(population={"class_size": {field: value}}))
    assert line == f"population.class_size.{field}: {value!r} — {allowed}"


def test_class_size_min_above_max():
    [line] = problems(minimal(population={"class_size": {"min": 50, "max": 40}}))
    assert line.startswith("population.class_size: {'min': 50, 'max': 40} — ")
    assert "min <= mean <= max" in line and "min 50" in line and "max 40" in line


def test_unknown_effect_suggests_the_nearest():
    [line] = problems(minimal(network={"effects": {"density": -1.8, "reciprocity": 2.0}}))
    assert line.startswith("network.effects.reciprocity: 2.0 — unknown effect 'reciprocity'")
    assert "Did you mean 'recip'?" in line


@pytest.mark.parametrize(("key", "expected"), [
    ("sameX:boy", "unknown actor covariate 'boy' in 'sameX:boy'"),
    ("egoX:stigma*altX:notleftbehind", "unknown actor covariate 'notleftbehind'"),
    ("X:girl", "unknown dyadic covariate 'girl' in 'X:girl'. Allowed: same_group."),
])
def test_unknown_covariate_in_an_effect(key, expected):
    [line] = problems(minimal(network={"effects": {key: 0.5}}))
    assert line.startswith(f"network.effects.{key}: 0.5 — {expected}")


def test_effect_without_its_covariate_uses_the_registry_message():
    [line] = problems(minimal(network={"effects": {"altX": 0.5}}))
    assert line.startswith("network.effects.altX: 0.5 — effect 'altX' needs an actor covariate")


def test_rate_effect_with_unknown_covariate_suggests_the_nearest():
    [line] = problems(minimal(network={"rate_effects": {"RateX:shy": -0.5}}))
    assert line.startswith("network.rate_effects.RateX:shy: -0.5 — unknown actor covariate")
    assert "Did you mean 'shyness'?" in line


def test_unknown_rate_effect():
    [line] = problems(minimal(network={"rate_effects": {"Rate:shyness": -0.5}}))
    assert line.startswith("network.rate_effects.Rate:shyness: -0.5 — unknown rate effect")


def test_migration_shares_must_sum_to_1():
    [line] = problems(minimal(population={"migration": {"father": 0.5, "mother": 0.4}}))
    assert line == ("population.migration: {'father': 0.5, 'mother': 0.4} — "
                    "shares must sum to 1, these sum to 0.9")


def test_migration_key_outside_the_allowed_three():
    [line] = problems(minimal(population={"migration": {"fathers": 1.0}}))
    assert line == "population.migration.fathers: 1.0 — unknown key; did you mean 'father'?"


def test_unknown_trait_driver_is_named():
    [line] = problems(minimal(trait_dynamics={"stigma": {"rejections": 0.1}}))
    assert line == "trait_dynamics.stigma.rejections: 0.1 — unknown key; did you mean 'rejection'?"


def at(path: str, value) -> dict:
    """A valid scenario mapping (two traits written out) with ``value`` at the dotted ``path``."""
    data = minimal(traits={"shyness": {"a": 2, "b": 5}, "stigma": {"a": 2, "b": 6}})
    *parents, last = path.split(".")
    node = data
    for part in parents:
        node = node.setdefault(part, {})
    node[last] = value
    return data


@pytest.mark.parametrize(("path", "value", "allowed"), [
    ("weeks", "forty", "must be a whole number"),
    ("weeks", 40.0, "must be a whole number"),
    ("weeks", 0, "must be between 1 and 520"),
    ("seed", -1, "must be at least 0"),
    ("name", "", "must not be empty"),
    ("name", 7, "must be text"),
    ("population", [1], "must be a mapping (key: value lines)"),
    ("population.grade", 10, "must be between 1 and 9"),
    ("network.rate", True, "must be a number"),
    ("network.initial_density", 0, "must be strictly between 0 and 1"),
    ("network.max_outdegree", 0, "must be at least 1"),
    ("network.cross_class_ties", 3, "must be true or false"),
    ("network.effects.recip", float("nan"), "must be a finite number"),
    ("traits.shyness.a", 0, "must be greater than 0"),
    ("traits.stigma.left_behind_shift", 1.5, "must be between -1 and 1"),
    ("trait_dynamics.adjustment", 2, "must be between 0 and 1"),
])
def test_bad_values_name_path_value_and_rule(path, value, allowed):
    assert problems(at(path, value)) == [f"{path}: {value!r} — {allowed}"]


def test_missing_required_fields():
    assert problems({}) == ["name: (missing) — required", "population: (missing) — required"]
    assert problems(minimal(traits={"shyness": {"a": 2}})) == [
        "traits.shyness.b: (missing) — required"]


def test_intervention_needs_a_known_type():
    data = minimal(interventions=[{"type": "growth_group"}, {"sessions": 7}, {"type": 3},
                                  {"type": "x"}, {"type": "growthgroup"}])
    lines = problems(data)
    assert [line.split(":")[0] for line in lines] == ["interventions.1", "interventions.2.type",
                                                      "interventions.3.type",
                                                      "interventions.4.type"]
    assert "needs a 'type': one of growth_group, family_contact" in lines[0]
    assert lines[1].endswith("unknown intervention type; allowed: growth_group, "
                             "family_contact, anti_stigma, teacher_training, staffing")
    assert lines[2].endswith("unknown intervention type; allowed: growth_group, "
                             "family_contact, anti_stigma, teacher_training, staffing")
    assert lines[3] == ("interventions.4.type: 'growthgroup' — unknown intervention type; "
                        "did you mean 'growth_group'?")


def test_intervention_fields_are_checked():
    data = minimal(interventions=[{"type": "growth_group", "group_sise": 6, "acceptance": 2.0,
                                   "sessions": [{"theme": "the_real_mee", "stage": "thaw"}]}])
    lines = problems(data)
    assert any(line.startswith("interventions.0.growth_group.group_sise: 6 — unknown key; "
                               "did you mean 'group_size'?") for line in lines)
    assert any("the_real_mee" in line and "Did you mean 'the_real_me'?" in line
               for line in lines)
    assert any(line.startswith("interventions.0.growth_group.acceptance: 2.0 — must be "
                               "between 0 and 1") for line in lines)
    group = parse_scenario(minimal(interventions=[{"type": "growth_group"}])).interventions[0]
    assert [s.stage for s in group.sessions] == ["thaw"] * 2 + ["change"] * 3 + [
        "reinvention"] * 2


def test_several_errors_are_all_listed():
    data = {"name": "t", "weeks": 0,
            "population": {"left_behnd_share": 0.3, "girl_share": 1.4,
                           "migration": {"father": 0.2}},
            "network": {"effects": {"reciprocity": 2.0}}}
    with pytest.raises(ScenarioError) as info:
        parse_scenario(data)
    message = str(info.value)
    assert message.splitlines()[0] == "invalid scenario (5 problems):"
    for start in ("weeks: 0 — ", "population.left_behnd_share: 0.3 — ",
                  "population.girl_share: 1.4 — ", "population.migration: {'father': 0.2} — ",
                  "network.effects.reciprocity: 2.0 — "):
        assert sum(line.startswith(start) for line in message.splitlines()) == 1, start
    assert len(info.value.problems) == 5


# --- Errors: files ----------------------------------------------------------------------

def test_missing_file(tmp_path):
    with pytest.raises(ScenarioError, match="no such file"):
        load_scenario(tmp_path / "nope.yaml")


def test_directory(tmp_path):
    with pytest.raises(ScenarioError, match="is a directory"):
        load_scenario(tmp_path)


def test_bad_yaml_syntax_names_the_line(tmp_path):
    path = write(tmp_path, "name: t\npopulation:\n  schools: [1, 2\nweeks: 3\n")
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    assert str(info.value).startswith(f"{path}: not valid YAML at line 4")


def test_duplicate_yaml_key_is_an_error(tmp_path):
    path = write(tmp_path, "name: t\npopulation: {}\nweeks: 10\nweeks: 20\n")
    with pytest.raises(ScenarioError, match="line 4.*duplicate key 'weeks'"):
        load_scenario(path)


@pytest.mark.parametrize(("text", "got"), [("- name: t\n", "got list"),
                                           ("", "got nothing"),
                                           ("just text\n", "got str")])
def test_top_level_must_be_a_mapping(tmp_path, text, got):
    with pytest.raises(ScenarioError, match=f"top level must be a mapping.*{got}"):
        load_scenario(write(tmp_path, text))


def test_file_errors_carry_the_path(tmp_path):
    path = write(tmp_path, "name: t\npopulation: {left_behind_share: 1.4}\n")
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    assert str(info.value).splitlines() == [
        f"invalid {path} (1 problem):",
        "population.left_behind_share: 1.4 — must be between 0 and 1"]


# --- Overrides --------------------------------------------------------------------------

def test_override_replaces_dotted_fields_and_keeps_the_rest():
    s = load_scenario(SCENARIOS / "dafang_yuchong.yaml")
    t = s.override({"population.left_behind_share": 0.3, "network.effects.recip": 2.0,
                    "network.effects.gwespFF(50.5)": 1.2, "seed": 7})
    assert t.population.left_behind_share == 0.3 and t.seed == 7
    assert t.network.effects["recip"] == 2.0 and t.network.effects["gwespFF(50.5)"] == 1.2
    assert t.network.effects["density"] == -1.45
    assert t.population.classes_per_school == 2
    assert s.population.left_behind_share == 0.207 and s.network.effects["recip"] == 2.4


def test_override_rejects_unknown_paths():
    s = parse_scenario(minimal())
    with pytest.raises(ScenarioError) as info:
        s.override({"population.left_behnd_share": 0.3, "network.rate.per_week": 1,
                    "populaton.schools": 2})
    assert info.value.problems == [
        "population.left_behnd_share: 0.3 — unknown setting 'left_behnd_share'; "
        "did you mean 'left_behind_share'?",
        "network.rate.per_week: 1 — network.rate is a single value, not a section",
        "populaton.schools: 2 — unknown setting 'populaton'; did you mean 'population'?"]


def test_override_values_are_validated():
    s = parse_scenario(minimal())
    with pytest.raises(ScenarioError) as info:
        s.override({"population.left_behind_share": 1.4, "network.effects.sameX:boy": 1.0})
    assert info.value.problems[0] == ("population.left_behind_share: 1.4 — "
                                      "must be between 0 and 1")
    assert info.value.problems[1].startswith("network.effects.sameX:boy: 1.0 — unknown actor")


# --- lbsim validate ---------------------------------------------------------------------

def test_validate_command_ok(capsys):
    assert validate_command(str(SCENARIOS / "shanxi_l_village.yaml")) == 0
    out, err = capsys.readouterr()
    lines = out.splitlines()
    assert lines[0] == "OK: shanxi_l_village (1 school, 3 classes, 40 weeks)" and err == ""
    # then a note for each change that reaches no tie (sim.world.pathways), nothing else
    assert all(line.startswith("note: ") for line in lines[1:]) and len(lines) > 1


def test_validate_command_error_goes_to_stderr_and_writes_nothing(tmp_path, capsys):
    path = write(tmp_path, "name: t\npopulation: {left_behnd_share: 0.3}\n")
    before = sorted(tmp_path.iterdir())
    assert validate_command(str(path)) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert "population.left_behnd_share: 0.3 — unknown key; did you mean" in err
    assert sorted(tmp_path.iterdir()) == before
