"""Write a model's networks for other tools: edge lists, GraphML, RSiena matrices.

Children are named by their survey ids (``population.ids``) when the class was imported,
else by their index. ::

    from sim.studies.network_export import export_networks
    export_networks(load_scenario("class.yaml"), "out/net", weeks=[0, 20, 40])

writes, for each week k, ``edges-week{k}.csv`` (``from,to``, every nomination) with
``attributes-week{k}.csv`` (the two can be imported again), ``network-week{k}.graphml``
(directed; class, school, gender, left-behind status and traits on the nodes), and
``rsiena/<class>/``: ``week-{k}.txt`` (0/1 matrix, row i names column j), ``ids.txt``,
``girl.txt`` and ``left_behind.txt`` (one value per line, for ``coCovar``) and one file per
trait with a column per exported week (``varCovar`` takes all columns but the last). With
``network.cross_class_ties`` the RSiena folders are schools and add ``class.txt``.

The RSiena folders are the classes (the schools with ``network.cross_class_ties``) at every
week: the same actors in the same order, so the weeks stack into one ``sienaDependent``
array. A growth group whose members come from several classes lets them name each other
across classes (the model then simulates those classes as one network); such nominations
leave the class's actor set, so they are in no matrix but in ``rsiena/outside-ties.csv``
(``week,from,to,from_unit,to_unit``; only the header when there are none), and in the edge
lists and GraphML as usual.
"""

from __future__ import annotations

import csv
import dataclasses
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from sim.atomic import atomic_folder
from sim.vocabulary import TRAITS
from sim.world.model import PeerNetworkModel
from sim.world.population import Population
from sim.world.scenario import Scenario

FORMATS = ("edgelist", "graphml", "rsiena")


@dataclass
class Snapshot:
    """The networks and traits of a model's population at one week (copies; the
    population's network units as they were then)."""

    population: Population
    week: int
    xbuf: np.ndarray
    traits: np.ndarray

    @property
    def ids(self) -> np.ndarray:
        pop = self.population
        return pop.ids if pop.ids is not None else np.arange(pop.n_children).astype(str)

    @property
    def class_names(self) -> np.ndarray:
        pop = self.population
        names = pop.class_names
        return names if names is not None else np.arange(1, pop.n_classes + 1).astype(str)

    def unit_network(self, u: int) -> np.ndarray:
        pop = self.population
        m, o = pop.unit_size[u], pop.unit_off[u]
        return self.xbuf[o:o + m * m].reshape(m, m)

    def ties(self) -> tuple[np.ndarray, np.ndarray]:
        """(from, to) child indices of every nomination, ordered by sender then receiver."""
        pop = self.population
        parts = [np.nonzero(self.unit_network(u)) for u in range(pop.n_units)]
        src = np.concatenate([i + pop.unit_start[u] for u, (i, _) in enumerate(parts)])
        dst = np.concatenate([j + pop.unit_start[u] for u, (_, j) in enumerate(parts)])
        return src.astype(np.int64), dst.astype(np.int64)


def snapshot(model: PeerNetworkModel) -> Snapshot:
    """A copy of ``model``'s networks and traits now (week ``model.week``)."""
    pop, xbuf = model.population, model.population.xbuf.copy()
    # a group across classes merges units by replacing the unit arrays, never editing them
    return Snapshot(dataclasses.replace(pop, xbuf=xbuf), model.week, xbuf, model.traits.copy())


def write_edgelist(snap: Snapshot, path: str | Path) -> None:
    """CSV ``from,to``, one nomination per row, survey ids."""
    ids = snap.ids
    src, dst = snap.ties()
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(("from", "to"))
        w.writerows(zip(ids[src], ids[dst], strict=True))


def _yes_no(flags: np.ndarray) -> list[str]:
    return ["yes" if v else "no" for v in flags]


def write_attributes(snap: Snapshot, path: str | Path) -> None:
    """CSV ``id,class,school,girl,left_behind,<traits>``: the importer's format."""
    pop = snap.population
    columns = [snap.ids, snap.class_names[pop.klass], pop.school, _yes_no(pop.girl),
               _yes_no(pop.lb), *(map(repr, map(float, t)) for t in snap.traits)]
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(("id", "class", "school", "girl", "left_behind", *TRAITS))
        w.writerows(zip(*columns, strict=True))


def graph(snap: Snapshot):
    """A networkx DiGraph: survey ids as nodes, class, school, girl, left_behind and the
    traits as node attributes."""
    import networkx as nx

    pop, ids = snap.population, snap.ids
    g: nx.DiGraph = nx.DiGraph(week=snap.week)
    names = snap.class_names
    for i, child in enumerate(ids):
        g.add_node(child, **{"class": str(names[pop.klass[i]]), "school": int(pop.school[i]),
                             "girl": bool(pop.girl[i]), "left_behind": bool(pop.lb[i])},
                   **{t: float(snap.traits[k, i]) for k, t in enumerate(TRAITS)})
    src, dst = snap.ties()
    g.add_edges_from(zip(ids[src], ids[dst], strict=True))
    return g


def write_graphml(snap: Snapshot, path: str | Path) -> None:
    """GraphML (Gephi, networkx, igraph) of :func:`graph`."""
    import networkx as nx

    nx.write_graphml(graph(snap), path)


def _file_name(label: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]", "_", label)


def rsiena_units(pop: Population, names: np.ndarray, by_school: bool
                 ) -> list[tuple[str, int, int]]:
    """(folder name, first child, number of children) of each RSiena folder: the classes
    (named ``names``), or the schools (``by_school``, a scenario with cross-class ties)."""
    if not by_school:
        return [(f"class-{names[c]}", int(pop.start[c]), int(pop.size[c]))
                for c in range(pop.n_classes)]
    schools = np.unique(pop.class_school)
    return [(f"school-{s}", int(pop.start[pop.class_school == s].min()),
             int(pop.size[pop.class_school == s].sum())) for s in schools]


def write_rsiena(snaps: list[Snapshot], folder: str | Path, by_school: bool = False) -> None:
    """One folder per RSiena unit (:func:`rsiena_units`): a 0/1 matrix per week, ids and
    covariates one actor per line, for ``read.table``; nominations between units in
    ``outside-ties.csv``."""
    pop = snaps[0].population
    names = snaps[0].class_names
    units = rsiena_units(pop, names, by_school)
    unit_of = np.empty(pop.n_children, dtype=np.int64)
    for k, (_, a, m) in enumerate(units):
        unit_of[a:a + m] = k
    folder = Path(folder)
    folder.mkdir(parents=True)
    outside: list[tuple] = [("week", "from", "to", "from_unit", "to_unit")]
    inside = []  # per week: the ties within a unit, ordered by sender
    for s in snaps:
        src, dst = s.ties()
        across = unit_of[src] != unit_of[dst]
        outside += [(s.week, s.ids[i], s.ids[j], units[unit_of[i]][0], units[unit_of[j]][0])
                    for i, j in zip(src[across], dst[across], strict=True)]
        order = np.argsort(src[~across], kind="stable")
        inside.append((src[~across][order], dst[~across][order]))
    with open(folder / "outside-ties.csv", "w", newline="") as f:
        csv.writer(f).writerows(outside)
    for label, a, m in units:
        d = folder / _file_name(label)
        d.mkdir()
        for s, (src, dst) in zip(snaps, inside, strict=True):
            lo, hi = np.searchsorted(src, [a, a + m])
            x = np.zeros((m, m), dtype=np.int8)
            x[src[lo:hi] - a, dst[lo:hi] - a] = 1
            np.savetxt(d / f"week-{s.week}.txt", x, fmt="%d")
        rows = slice(a, a + m)
        (d / "ids.txt").write_text("".join(f"{i}\n" for i in snaps[0].ids[rows]))
        np.savetxt(d / "girl.txt", pop.girl[rows], fmt="%d")
        np.savetxt(d / "left_behind.txt", pop.lb[rows], fmt="%d")
        if by_school:
            (d / "class.txt").write_text("".join(f"{names[c]}\n" for c in pop.klass[rows]))
        for t_index, t in enumerate(TRAITS):
            values = np.stack([s.traits[t_index, rows] for s in snaps], axis=1)
            (d / f"{t}.txt").write_text("".join(" ".join(map(repr, map(float, row))) + "\n"
                                                for row in values))


def parse_weeks(text: str) -> list[int]:
    """'0,20,40' -> [0, 20, 40]; raises ValueError saying what is allowed."""
    try:
        weeks = [int(w) for w in text.split(",") if w.strip()]
    except ValueError:
        raise ValueError(f"--weeks {text!r}: allowed: week numbers separated by commas, "
                         f"e.g. 0,20,40") from None
    if not weeks or min(weeks) < 0:
        raise ValueError(f"--weeks {text!r}: allowed: one or more weeks, 0 (the start) or "
                         f"later")
    return sorted(set(weeks))


def export_networks(scenario: Scenario, out: str | Path, weeks: Iterable[int],
                    formats: Iterable[str] = FORMATS,
                    seed: int | None = None, overwrite: bool = False) -> list[Path]:
    """Run ``scenario`` to each of ``weeks`` (0 = the start) and write the networks in
    ``formats`` into ``out``, atomically.

    Parameters
    ----------
    scenario : Scenario
        What to run.
    out : str or Path
        The folder, written whole or not at all.
    weeks : iterable of int
        The weeks to export (0 = the start).
    formats : iterable of str
        Any of ``edgelist``, ``graphml`` and ``rsiena``.
    seed : int, optional
        Overrides the scenario's seed.
    overwrite : bool
        Replace a folder that is not empty.

    Returns
    -------
    list of Path
        The files written (under ``out``).
    """
    weeks = sorted(set(int(w) for w in weeks))
    formats = list(dict.fromkeys(formats))
    bad = [f for f in formats if f not in FORMATS]
    if bad or not formats or not weeks or weeks[0] < 0:
        raise ValueError(f"formats {formats} and weeks {weeks}: allowed formats "
                         f"{', '.join(FORMATS)}; weeks 0 or later")
    out = Path(out)
    with atomic_folder(out, overwrite) as tmp:
        model = PeerNetworkModel(scenario, seed=seed, collect=False)
        snaps = []
        for week in weeks:
            model.run(week - model.week)
            snaps.append(snapshot(model))
            if "edgelist" in formats:
                write_edgelist(snaps[-1], tmp / f"edges-week{week}.csv")
                write_attributes(snaps[-1], tmp / f"attributes-week{week}.csv")
            if "graphml" in formats:
                write_graphml(snaps[-1], tmp / f"network-week{week}.graphml")
        if "rsiena" in formats:
            write_rsiena(snaps, tmp / "rsiena", scenario.network.cross_class_ties)
        written = sorted(p.relative_to(tmp) for p in tmp.rglob("*") if p.is_file())
    return [out / p for p in written]
