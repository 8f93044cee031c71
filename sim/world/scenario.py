"""Scenarios: a YAML scenario's sections assembled into one validated setting, and loading.

A scenario says who sits in the classes (``population``, :mod:`sim.world.population`), how their
traits are distributed (``traits``), how friendships change (``network``,
:mod:`sim.world.network`), how traits move (``trait_dynamics``, :mod:`sim.world.traits`) and what is
done to the children (``interventions``, each defined next to its code in
:mod:`sim.world.interventions`). Every default number sits in its section with its source
(docs/model.md). A bad scenario raises :class:`ScenarioError`, whose message lists every
problem on its own line as ``field.path: value — what is allowed``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Union, get_args, get_origin, overload

import numpy as np
import yaml
from pydantic import BaseModel, Field, ValidationError, model_validator

from sim.io.read import DataError
from sim.io.survey import check_survey, read_survey
from sim.schema import Section, at_least, between
from sim.suggest import nearest
from sim.world.interventions import KINDS, REGISTRY
from sim.world.network import NetworkSection
from sim.world.population import Population, PopulationSection, TraitsSection, build_population
from sim.world.traits import TraitDynamicsSection

if TYPE_CHECKING:  # the union is built from the registry at run time, which mypy cannot see
    AnyInterventionSection = Any
else:
    AnyInterventionSection = Annotated[
        Union[tuple(k.section for k in KINDS)],  # noqa: UP007 (built at runtime)
        Field(discriminator="type")]
"""The section of any intervention of the registry, told apart by its ``type``."""

INTERVENTION_TYPES = {k.type: k.section for k in KINDS}


class Scenario(Section):
    """One simulation setting: population, traits, network, trait dynamics, interventions.

    Attributes
    ----------
    name : str
        The scenario's name.
    description : str
        Free text.
    seed : int
        The random seed (>= 0).
    weeks : int
        Weeks simulated, 1..520 (default 40: one school year of teaching weeks, an
        assumption).
    population : PopulationSection
        Schools, classes and children, drawn or read from survey files.
    traits : TraitsSection
        The children's traits at the start.
    network : NetworkSection
        The SAOM friendship dynamics.
    trait_dynamics : TraitDynamicsSection
        How traits change week by week.
    interventions : list of InterventionSection
        The interventions run.
    arms : dict of str to list of InterventionSection
        Named alternatives to ``interventions`` for ``lbsim compare``, each compared with the
        control arm (no interventions).
    """

    name: Annotated[str, Field(min_length=1)]
    description: str = ""
    seed: Annotated[int, at_least(0)] = 1
    weeks: Annotated[int, between(1, 520)] = Field(
        40, description="one school year of 40 teaching weeks (assumption)")
    population: PopulationSection
    traits: TraitsSection = TraitsSection()
    network: NetworkSection = NetworkSection()
    trait_dynamics: TraitDynamicsSection = TraitDynamicsSection()
    interventions: list[AnyInterventionSection] = Field(
        [], description=", ".join(REGISTRY))
    arms: dict[str, list[AnyInterventionSection]] = Field(
        {}, description="named alternatives to `interventions` for `lbsim compare`, each "
                        "compared with the control arm (no interventions)")

    @model_validator(mode="after")
    def _survey_not_burnt_in(self) -> Scenario:
        """A surveyed network is the start state: no burn-in unless the scenario asks."""
        if (self.population.from_files is not None
                and "burn_in_years" not in self.network.model_fields_set):
            self.network = self.network.model_copy(update={"burn_in_years": 0.0})
        return self

    def draw_population(self, rng: np.random.Generator) -> Population:
        """The schools, classes and children of this scenario, with their start networks
        (:func:`sim.world.population.build_population`)."""
        net = self.network
        return build_population(self.population, self.traits, rng,
                                initial_density=net.initial_density,
                                max_outdegree=net.max_outdegree,
                                cross_class_ties=net.cross_class_ties)

    def override(self, dotted: Mapping[str, object]) -> Scenario:
        """A validated copy with fields replaced by dotted path, e.g. ``network.effects.recip``.

        Inside a mapping such as ``network.effects`` the rest of the path is one key, which
        may be new (it is validated like any other key).
        """
        data = self.model_dump()
        problems = []
        for path, value in dotted.items():
            try:
                _set_path(data, path, value)
            except ValueError as e:
                problems.append(f"{path}: {value!r} — {e}")
        if problems:
            raise ScenarioError(problems, "overrides")
        return parse_scenario(data, source="scenario with overrides")


def _section(model: type[BaseModel], field: str) -> type[BaseModel] | None:
    """The section class of ``model.field``, or None when the field is not a section."""
    annotation = model.model_fields[field].annotation
    for a in (annotation, *get_args(annotation)):  # a section, or an optional one
        if isinstance(a, type) and issubclass(a, BaseModel):
            return a
    return None


def _set_path(data: dict, path: str, value: object) -> None:
    parts = path.split(".")
    model: type[BaseModel] | None = Scenario
    node = data
    if len(parts) > 2 and parts[0] == "interventions":  # interventions.<index>.<field>...
        try:
            node = data["interventions"][int(parts[1])]
        except (ValueError, IndexError):
            raise ValueError(f"interventions.{parts[1]}: no such intervention (the list has "
                             f"{len(data['interventions'])})") from None
        model, parts = INTERVENTION_TYPES[node["type"]], parts[2:]
    for i, part in enumerate(parts):
        if model is None:  # a free-form mapping: the rest of the path is one key
            node[".".join(parts[i:])] = value
            return
        if part not in model.model_fields:
            raise ValueError(f"unknown setting {part!r}; {_did_you_mean(part, model)}")
        if i == len(parts) - 1:
            node[part] = value
            return
        if not isinstance(node[part], dict):
            raise ValueError(f"{'.'.join(parts[:i + 1])} is a single value, not a section")
        model, node = _section(model, part), node[part]


def value_at(data: object, dotted: str) -> object:
    """The value at a dotted path of a scenario dump (a list index as a number; inside a
    free-form mapping the rest of the path is one key), or None."""
    parts = dotted.split(".")
    for i, part in enumerate(parts):
        if isinstance(data, list) and part.isdigit() and int(part) < len(data):
            data = data[int(part)]
        elif isinstance(data, dict) and part in data:
            data = data[part]
        elif isinstance(data, dict):
            return data.get(".".join(parts[i:]))
        else:
            return None
    return data


# --- Errors for people ------------------------------------------------------------------

class ScenarioError(ValueError):
    """A scenario that cannot be used; ``problems`` holds one line per problem."""

    def __init__(self, problems: list[str], source: str | None = None):
        self.problems = list(problems)
        lines = "\n".join(self.problems)
        if source is None:
            super().__init__(lines)
        else:
            n = len(self.problems)
            super().__init__(f"invalid {source} ({n} problem{'s' * (n != 1)}):\n{lines}")


_ALLOWED = {
    "missing": "required",
    "float_type": "must be a number",
    "finite_number": "must be a finite number",
    "int_type": "must be a whole number",
    "bool_type": "must be true or false",
    "string_type": "must be text",
    "string_too_short": "must not be empty",
    "dict_type": "must be a mapping (key: value lines)",
    "model_type": "must be a mapping (key: value lines)",
    "list_type": "must be a list",
}


def _did_you_mean(word: object, model_or_options: type[BaseModel] | list[str] | None) -> str:
    if isinstance(model_or_options, type):
        options = list(model_or_options.model_fields)
    else:
        options = list(model_or_options or [])
    near = nearest(word, options)
    return f"did you mean {near!r}?" if near else f"allowed: {', '.join(options)}"


def _section_at(loc: tuple, root: type[BaseModel] = Scenario) -> type[BaseModel] | None:
    """The section class at ``loc`` (pydantic's error location) under ``root``."""
    model: type[BaseModel] | None = root
    if root is Scenario and len(loc) >= 3 and loc[0] == "interventions":  # .<i>.<type>. ...
        model, loc = INTERVENTION_TYPES.get(loc[2]), loc[3:]
    key = False  # the next part is a key of a mapping of sections (e.g. a sweep's parameters)
    for part in loc:
        if isinstance(part, int) or key:
            key = False
            continue  # a list index or a mapping's key
        if model is None or part not in model.model_fields:
            return None
        key = get_origin(model.model_fields[part].annotation) is dict
        model = _section(model, part)
    return model


def _lookup(data: object, loc: tuple) -> object:
    for part in loc:
        data = data[part]  # type: ignore[index]
    return data


def problem_line(error: Mapping[str, Any], data: object,
                 root: type[BaseModel] = Scenario) -> str:
    """One pydantic error of validating ``data`` as ``root`` (a scenario, or e.g. a
    sweep) as ``path: value — what is allowed``."""
    loc, kind = tuple(error["loc"]), error["type"]
    value = error.get("input")
    if loc and loc[-1] == "[key]":  # a bad key of a mapping: show the key's value
        loc = loc[:-1]
        try:
            value = _lookup(data, loc)
        except (KeyError, IndexError, TypeError):
            pass
    if kind == "extra_forbidden":
        allowed = f"unknown key; {_did_you_mean(loc[-1], _section_at(loc[:-1], root))}"
    elif kind == "literal_error":
        options = re.findall(r"'([^']*)'", error["ctx"]["expected"])
        allowed = f"unknown key; {_did_you_mean(loc[-1], options)}"
    elif kind == "value_error":
        allowed = str(error["ctx"]["error"])
    elif kind == "union_tag_invalid":  # a type that is not one of the kinds
        tag = error["ctx"].get("tag")
        loc, value = (*loc, "type"), tag
        allowed = f"unknown intervention type; {_did_you_mean(tag, list(INTERVENTION_TYPES))}"
    elif kind == "union_tag_not_found":
        allowed = (f"an intervention needs a 'type': one of "
                   f"{', '.join(INTERVENTION_TYPES)}")
    else:
        allowed = _ALLOWED.get(kind, error["msg"])
    shown = "(missing)" if kind == "missing" else repr(value)
    return f"{'.'.join(map(str, loc)) or '(top level)'}: {shown} — {allowed}"


# --- Loading ----------------------------------------------------------------------------

class _Loader(yaml.SafeLoader):
    """YAML's safe loader, but duplicate keys are errors and ``1e-3`` is a number."""


def _construct_mapping(loader: _Loader, node: yaml.MappingNode) -> dict:
    seen = []
    for key_node, _ in node.value:
        key = loader.construct_object(key_node)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r}", key_node.start_mark)
        seen.append(key)
    return loader.construct_mapping(node)


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_Loader.add_implicit_resolver(  # YAML 1.1 reads 1e-3 as text; scientists write it as a number
    "tag:yaml.org,2002:float",
    re.compile(r"^[-+]?(?:[0-9][0-9_]*(?:\.[0-9_]*)?|\.[0-9][0-9_]*)[eE][-+]?[0-9]+$"),
    list("-+0123456789."))


def parse_scenario(mapping: object, source: str = "scenario") -> Scenario:
    """Validate a mapping (e.g. parsed YAML) into a Scenario, or raise ScenarioError.

    Parameters
    ----------
    mapping : object
        The settings, e.g. a parsed YAML document.
    source : str
        Where they came from, named in the error.

    Returns
    -------
    Scenario
        The validated scenario; a :class:`ScenarioError` lists every problem, one a line.
    """
    if not isinstance(mapping, Mapping):
        got = "nothing (an empty document)" if mapping is None else type(mapping).__name__
        raise ScenarioError([f"{source}: the top level must be a mapping of settings "
                             f"(name: ..., population: ...), got {got}"])
    try:
        return Scenario.model_validate(dict(mapping))
    except ValidationError as e:
        raise ScenarioError([problem_line(err, mapping) for err in e.errors()], source) from None


def load_scenario(path: str | Path) -> Scenario:
    """Read and validate a YAML scenario file, or raise ScenarioError. Survey files
    (``population.from_files``) are resolved relative to the file and checked.

    Parameters
    ----------
    path : str or Path
        The YAML file.

    Returns
    -------
    Scenario
        The validated scenario.
    """
    scenario = parse_scenario(read_yaml(path), source=str(path))
    if scenario.population.from_files is not None:
        scenario = _with_survey(scenario, Path(path).parent, str(path))
    return scenario


def _with_survey(scenario: Scenario, base: Path, source: str) -> Scenario:
    """``scenario`` with its survey paths made absolute; the files are read and checked."""
    files = scenario.population.from_files
    assert files is not None  # load_scenario calls it only then
    resolved = {k: str((base / v).resolve()) for k, v in files.paths()}
    problems = [f"population.from_files.{k}: {getattr(files, k)!r} — no such file "
                f"({resolved[k]}); paths are relative to the scenario file"
                for k in resolved if not Path(resolved[k]).is_file()]
    if problems:
        raise ScenarioError(problems, source)
    scenario.population.from_files = files.model_copy(update=resolved)
    try:
        check_survey(read_survey(**resolved), scenario.network.cross_class_ties,
                     scenario.network.max_outdegree)
    except DataError as e:
        raise ScenarioError([f"population.from_files: {e}"], source) from None
    return scenario


@overload
def read_yaml(path: str | Path, mapping: str) -> dict[str, Any]: ...
@overload
def read_yaml(path: str | Path, mapping: None = None) -> object: ...
def read_yaml(path: str | Path, mapping: str | None = None) -> object:
    """Parse a YAML file (duplicate keys refused, 1e-3 read as a number), or raise
    ScenarioError naming the file and the line; with ``mapping`` (what its top level holds,
    e.g. "of sweep settings"), also unless the top level is a mapping."""
    path = Path(path)
    if path.is_dir():
        raise ScenarioError([f"{path}: is a directory; give a .yaml file"])
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ScenarioError([f"{path}: no such file"]) from None
    except (OSError, UnicodeDecodeError) as e:
        raise ScenarioError([f"{path}: cannot read the file ({e})"]) from None
    try:
        data = yaml.load(text, Loader=_Loader)
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise ScenarioError([f"{path}: not valid YAML{where}: {e.problem or e.context}"]) \
            from None
    except yaml.YAMLError as e:
        raise ScenarioError([f"{path}: not valid YAML: {e}"]) from None
    if mapping is not None and not isinstance(data, dict):
        raise ScenarioError([f"{path}: the top level must be a mapping {mapping}"])
    return data


def summary_line(s: Scenario) -> str:
    """'OK: <name> (<schools>, <classes>, <weeks>)' for a valid scenario."""
    p = s.population
    classes = p.schools * p.classes_per_school
    if p.from_files is not None:
        survey = read_survey(**dict(p.from_files.paths()))
        classes = len(survey.class_names)
        p = p.model_copy(update={"schools": len(survey.school_names)})

    def n(count: int, one: str, many: str) -> str:
        return f"{count} {one if count == 1 else many}"

    return (f"OK: {s.name} ({n(p.schools, 'school', 'schools')}, "
            f"{n(classes, 'class', 'classes')}, {n(s.weeks, 'week', 'weeks')})")

