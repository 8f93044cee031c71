"""Importing surveyed classes and exporting networks (sim/io, lbsim import / export)."""

from pathlib import Path

import networkx as nx
import numpy as np
import pytest
from helpers import S50
from typer.testing import CliRunner

from sim.cli.main import app
from sim.io.read import DataError, read_adjacency, read_attributes, read_edge_list
from sim.io.survey import check_survey, read_survey
from sim.studies.network_export import export_networks, snapshot
from sim.vocabulary import Trait
from sim.world.model import PeerNetworkModel
from sim.world.scenario import ScenarioError, load_scenario, parse_scenario

runner = CliRunner()


def write(path, text):
    path.write_text(text)
    return path


def ids(n):
    return [f"p{k + 1:02d}" for k in range(n)]


def write_class(folder, x, klass=None, lb=None, extra=""):
    """An edge list and attributes CSV for matrix ``x`` (ids p01 ..)."""
    names = ids(len(x))
    edges = "".join(f"{names[i]},{names[j]}\n" for i, j in zip(*np.nonzero(x), strict=True))
    write(folder / "edges.csv", "from,to\n" + edges)
    klass = klass or ["A"] * len(x)
    lb = lb or ["no"] * len(x)
    rows = "".join(f"{n},{c},{'girl' if k % 2 else 'boy'},{b}{extra}\n"
                   for k, (n, c, b) in enumerate(zip(names, klass, lb, strict=True)))
    header = "id,class,gender,left_behind" + (",confidence" if extra else "")
    write(folder / "attrs.csv", header + "\n" + rows)
    return folder / "edges.csv", folder / "attrs.csv"


def write_scenario(folder, files, extra=""):
    entries = ", ".join(f"{k}: {v}" for k, v in files.items())
    return write(folder / "class.yaml",
                 f"name: surveyed\nseed: 4\npopulation:\n  from_files: {{{entries}}}\n{extra}")


def s50(wave=1):
    return np.loadtxt(S50 / f"s50-w{wave}.txt", dtype=np.int8)


def ties(x, names):
    return {(names[i], names[j]) for i, j in zip(*np.nonzero(x), strict=True)}


# --- readers: clear errors naming file and line -------------------------------------

def test_read_adjacency_reads_s50():
    x = read_adjacency(S50 / "s50-w1.txt")
    assert x.shape == (50, 50) and x.sum() == 113 and x.dtype == np.int8


BAD_FILES = [  # (reader, file name, text, line named, words in the message)
    (read_adjacency, "m.txt", "0 1\n1 0 1\n", 2, "rows of equal length"),
    (read_adjacency, "m.txt", "0 1 0\n1 0 0\n", 1, "square"),
    (read_adjacency, "m.txt", "0,1\n2,0\n", 2, "0 or 1"),
    (read_adjacency, "m.txt", "0 1\n1 1\n", 2, "diagonal"),
    (read_adjacency, "m.txt", "0 1\n1 x\n", 2, "not a number"),
    (read_adjacency, "m.txt", "0 1\n\n1 oops\n", 3, "not a number"),
    (read_edge_list, "e.csv", "from,to\na,b\nb,b\n", 3, "self-nomination"),
    (read_edge_list, "e.csv", "from,to\na,b\nc,a\na,b\n", 4,
     "duplicate row a,b (first on line 2)"),
    (read_edge_list, "e.csv", "source,target\na,b\n", 1, "unknown column 'source'"),
    (read_edge_list, "e.csv", "from,to\na,b,c\n", 2, "3 values"),
    (read_edge_list, "e.csv", "from\na\n", 1, "missing column 'to'"),
    (read_attributes, "a.csv", "id,class\na,1\nb,1\na,2\n", 4,
     "duplicate id 'a' (first on line 2)"),
    (read_attributes, "a.csv", "id,gender\na,girl\nb,x\n", 3, "gender 'x'"),
    (read_attributes, "a.csv", "id,left_behind\na,maybe\n", 2, "left_behind 'maybe'"),
    (read_attributes, "a.csv", "id,confidence\na,0.5\nb,1.5\n", 3, "0 to 1"),
    (read_attributes, "a.csv", "id,confidence\na,high\n", 2, "not a number"),
    (read_attributes, "a.csv", "id,confidance\na,0.5\n", 1,
     "unknown column 'confidance'"),
]


@pytest.mark.parametrize("reader, name, text, line, words", BAD_FILES)
def test_bad_file_names_file_and_line(tmp_path, reader, name, text, line, words):
    path = write(tmp_path / name, text)
    with pytest.raises(DataError) as e:
        reader(path)
    assert f"{path}, line {line}" in str(e.value) and words in str(e.value)


def test_attributes_accept_yes_no_and_0_1(tmp_path):
    path = write(tmp_path / "a.csv", "id,girl,lb\na,yes,0\nb,0,Yes\nc,TRUE,n\n")
    a = read_attributes(path)
    assert a.girl.tolist() == [True, False, True] and a.lb.tolist() == [False, True, False]


def test_unknown_id_names_the_edge_list_line(tmp_path):
    edges = write(tmp_path / "e.csv", "from,to\na,b\nb,zz\n")
    attrs = write(tmp_path / "a.csv", "id\na\nb\n")
    with pytest.raises(DataError, match=r"e\.csv, line 3: id 'zz' is not in"):
        read_survey(edges=edges, attributes=attrs)


def test_matrix_size_must_match_attributes(tmp_path):
    m = write(tmp_path / "m.txt", "0 1\n1 0\n")
    attrs = write(tmp_path / "a.csv", "id\na\nb\nc\n")
    with pytest.raises(DataError, match="2 rows but .* lists 3 children"):
        read_survey(matrix=m, attributes=attrs)


# --- the survey as a population -------------------------------------------------------

def test_children_reordered_by_class_keep_their_ids_and_ties(tmp_path):
    # classes interleaved in the file: A B A B; ties A: p01->p03, B: p04->p02, p02->p04
    write(tmp_path / "e.csv", "from,to\np01,p03\np04,p02\np02,p04\n")
    write(tmp_path / "a.csv", "id,class\np01,A\np02,B\np03,A\np04,B\n")
    path = write_scenario(tmp_path, {"edges": "e.csv", "attributes": "a.csv"})
    pop = PeerNetworkModel(load_scenario(path)).population
    assert pop.ids.tolist() == ["p01", "p03", "p02", "p04"]
    assert pop.klass.tolist() == [0, 0, 1, 1] and pop.class_names.tolist() == ["A", "B"]
    assert pop.network(0).tolist() == [[0, 1], [0, 0]]
    assert pop.network(1).tolist() == [[0, 1], [1, 0]]


def test_cross_class_tie_needs_cross_class_ties(tmp_path):
    write(tmp_path / "e.csv", "from,to\np01,p03\np01,p02\n")
    write(tmp_path / "a.csv", "id,class\np01,A\np02,B\np03,A\n")
    files = {"edges": "e.csv", "attributes": "a.csv"}
    with pytest.raises(ScenarioError, match=r"e\.csv, line 3: p01 \(class A\) names p02 "
                                            r"\(class B\).*cross_class_ties"):
        load_scenario(write_scenario(tmp_path, files))
    path = write_scenario(tmp_path, files, "network: {cross_class_ties: true}\n")
    pop = PeerNetworkModel(load_scenario(path)).population
    assert pop.n_units == 1 and pop.unit_network(0).tolist() == [[0, 1, 1], [0, 0, 0],
                                                                 [0, 0, 0]]


def test_ties_across_schools_are_refused_even_with_cross_class_ties(tmp_path):
    write(tmp_path / "e.csv", "from,to\np01,p02\n")
    write(tmp_path / "a.csv", "id,class,school\np01,A,s1\np02,B,s2\n")
    path = write_scenario(tmp_path, {"edges": "e.csv", "attributes": "a.csv"},
                          "network: {cross_class_ties: true}\n")
    with pytest.raises(ScenarioError, match=r"line 2: .*allowed: ties within a school"):
        load_scenario(path)


def test_outdegree_above_the_cap_is_an_error_naming_the_line(tmp_path):
    x = np.zeros((8, 8), dtype=int)
    x[2, 3:] = 1  # p03 names 5, then one more
    x[2, 0] = 1
    write_class(tmp_path, x)
    path = write_scenario(tmp_path, {"edges": "edges.csv", "attributes": "attrs.csv"})
    with pytest.raises(ScenarioError, match=r"edges\.csv, line \d+: p03 names 6 friends, "
                                            r"more than network\.max_outdegree \(5\)"):
        load_scenario(path)
    ok = write_scenario(tmp_path, {"edges": "edges.csv", "attributes": "attrs.csv"},
                        "network: {max_outdegree: 6}\n")
    assert load_scenario(ok).network.max_outdegree == 6


def test_missing_traits_and_status_are_drawn_given_ones_kept(tmp_path):
    write(tmp_path / "a.csv", "id,confidence\na,0.25\nb,\nc,0.75\n")
    write(tmp_path / "e.csv", "from,to\na,b\n")
    path = write_scenario(tmp_path, {"edges": "e.csv", "attributes": "a.csv"},
                          "  left_behind_share: 1.0\n  girl_share: 0.0\n")
    pop = PeerNetworkModel(load_scenario(path)).population
    conf = pop.traits[Trait.CONFIDENCE]
    assert conf[0] == 0.25 and conf[2] == 0.75 and 0 <= conf[1] <= 1
    assert pop.lb.all() and not pop.girl.any()
    assert np.isfinite(pop.traits).all() and pop.migration.min() >= 0


def test_scenario_schema_errors_name_the_field(tmp_path):
    with pytest.raises(ScenarioError, match=r"population\.from_files: .* exactly one"):
        parse_scenario({"name": "t", "population": {"from_files": {"edges": "e", "matrix": "m",
                                                                   "attributes": "a"}}})
    with pytest.raises(ScenarioError, match=r"population\.from_files: .* needs attributes"):
        parse_scenario({"name": "t", "population": {"from_files": {"edges": "e"}}})
    with pytest.raises(ScenarioError, match=r"population\.from_files\.edgs: .* did you mean"):
        parse_scenario({"name": "t", "population": {"from_files": {"edgs": "e"}}})
    path = write_scenario(tmp_path, {"matrix": "nowhere.txt"})
    with pytest.raises(ScenarioError, match=r"population\.from_files\.matrix: 'nowhere\.txt' "
                                            r"— no such file"):
        load_scenario(path)


def test_paths_are_relative_to_the_scenario_and_no_burn_in_unless_asked(tmp_path,
                                                                        monkeypatch):
    (tmp_path / "data").mkdir()
    write(tmp_path / "data" / "m.txt", "0 1 0\n0 0 1\n1 0 0\n")
    (tmp_path / "elsewhere").mkdir()
    monkeypatch.chdir(tmp_path / "elsewhere")
    path = write_scenario(tmp_path, {"matrix": "data/m.txt"})
    s = load_scenario(path)
    assert s.network.burn_in_years == 0
    model = PeerNetworkModel(s)
    assert model.population.network(0).tolist() == [[0, 1, 0], [0, 0, 1], [1, 0, 0]]
    assert model.population.ids.tolist() == ["1", "2", "3"]
    asked = write_scenario(tmp_path, {"matrix": "data/m.txt"}, "network: {burn_in_years: 1}\n")
    assert load_scenario(asked).network.burn_in_years == 1


# --- round trips ---------------------------------------------------------------------

def test_s50_round_trip_through_import_and_export(tmp_path):
    x = s50(1)
    names = ids(50)
    edges, attrs = write_class(tmp_path, x, lb=["yes" if k % 4 == 0 else "no"
                                                for k in range(50)])
    scenario = tmp_path / "scen" / "s50.yaml"
    r = runner.invoke(app, ["import", str(edges), str(attrs), "--out", str(scenario)])
    assert r.exit_code == 0, r.output
    assert "113 nominations" in r.output and "at most 5 per child" in r.output
    out = tmp_path / "export"
    r = runner.invoke(app, ["export", str(scenario), "--weeks", "0", "--out", str(out)])
    assert r.exit_code == 0, r.output
    expected = ties(x, names)
    got = read_edge_list(out / "edges-week0.csv")
    assert {(a, b) for _, a, b in got} == expected and len(got) == 113
    g = nx.read_graphml(out / "network-week0.graphml")
    assert g.is_directed() and set(g.nodes) == set(names) and set(g.edges) == expected
    assert g.nodes["p01"]["left_behind"] is True and g.nodes["p02"]["left_behind"] is False
    m = read_adjacency(out / "rsiena" / "class-A" / "week-0.txt")
    assert (m == x).all()
    assert (out / "rsiena" / "class-A" / "ids.txt").read_text().split() == names
    lb = np.loadtxt(out / "rsiena" / "class-A" / "left_behind.txt")
    assert lb.tolist() == [1.0 if k % 4 == 0 else 0.0 for k in range(50)]
    # the matrix file itself imports to the same network
    direct = tmp_path / "direct.yaml"
    assert runner.invoke(app, ["import", str(S50 / "s50-w1.txt"), "--out",
                               str(direct)]).exit_code == 0
    assert (PeerNetworkModel(load_scenario(direct)).population.network(0) == x).all()


def test_week_k_export_equals_the_model_at_week_k_and_reimports(tmp_path):
    edges, attrs = write_class(tmp_path, s50(2), extra=",0.5")
    scenario = write_scenario(tmp_path, {"edges": "edges.csv", "attributes": "attrs.csv"},
                              "network: {max_outdegree: 6}\n")
    config = load_scenario(scenario)
    out = tmp_path / "out"
    export_networks(config, out, [0, 4, 9], seed=11)
    model = PeerNetworkModel(config, seed=11)
    names = model.population.ids
    for week in (0, 4, 9):
        model.run(week - model.week)
        x = model.population.network(0)
        on_file = read_adjacency(out / "rsiena" / "class-A" / f"week-{week}.txt")
        assert (on_file == x).all()
        assert {(a, b) for _, a, b in read_edge_list(out / f"edges-week{week}.csv")} == \
            ties(x, names)
        g = nx.read_graphml(out / f"network-week{week}.graphml")
        assert set(g.edges) == ties(x, names)
        k = Trait.CONFIDENCE
        assert [g.nodes[n]["confidence"] for n in names] == model.traits[k].tolist()
    assert not (s50(2) == x).all()  # the network did move
    conf = np.loadtxt(out / "rsiena" / "class-A" / "confidence.txt")
    assert conf.shape == (50, 3) and (conf[:, 0] == 0.5).all()
    # the week-9 export is itself an importable class with the same state
    again = tmp_path / "again.yaml"
    r = runner.invoke(app, ["import", str(out / "edges-week9.csv"),
                            str(out / "attributes-week9.csv"), "--out", str(again)])
    assert r.exit_code == 0, r.output
    pop = PeerNetworkModel(load_scenario(again)).population
    assert (pop.network(0) == x).all() and (pop.traits == model.traits).all()
    assert (pop.lb == model.population.lb).all() and (pop.girl == model.population.girl).all()


def test_generated_classes_export_one_rsiena_folder_per_unit(tmp_path):
    config = parse_scenario({
        "name": "two", "weeks": 2,
        "population": {"classes_per_school": 2, "class_size": {"mean": 12, "sd": 0, "min": 12}},
        "network": {"burn_in_years": 0.2}})
    out = tmp_path / "gen"
    export_networks(config, out, [0, 2], formats=["rsiena", "edgelist"])
    assert sorted(p.name for p in (out / "rsiena").iterdir()) == ["class-1", "class-2",
                                                                   "outside-ties.csv"]
    school = config.override({"network.cross_class_ties": True})
    export_networks(school, tmp_path / "school", [1], formats=["rsiena"])
    folder = tmp_path / "school" / "rsiena" / "school-0"
    assert read_adjacency(folder / "week-1.txt").shape == (24, 24)
    assert (folder / "class.txt").read_text().split() == ["1"] * 12 + ["2"] * 12


def read_rsiena(folder, week):
    """{(from id, to id)} of the RSiena matrices and of outside-ties.csv at ``week``; the
    unit folders with their actor count."""
    got, sizes = set(), {}
    for d in sorted(p for p in folder.iterdir() if p.is_dir()):
        names = (d / "ids.txt").read_text().split()
        x = np.loadtxt(d / f"week-{week}.txt", dtype=np.int8, ndmin=2)
        assert x.shape == (len(names), len(names)) and not x.diagonal().any()
        sizes[d.name] = len(names)
        got |= ties(x, names)
    outside = {(r[1], r[2]) for r in (line.split(",") for line in
               (folder / "outside-ties.csv").read_text().splitlines()[1:]) if r[0] == str(week)}
    assert not got & outside
    return got | outside, sizes, outside


ROOT = Path(__file__).resolve().parents[2]
SHIPPED = sorted((ROOT / "scenarios").glob("*.yaml"))
JOINT_GROUP = {"dafang_yuchong", "shanxi_l_village"}  # a group recruits across classes


@pytest.mark.parametrize("path, quick", [
    pytest.param(p, q, id=p.stem + ("" if not q else "-4-schools"),
                 marks=[pytest.mark.slow] if p.stem == "dafang_county" and not q else [])
    for p in SHIPPED for q in ((True, False) if p.stem == "dafang_county" else (False,))])
def test_every_shipped_scenario_exports_one_unit_per_class_at_every_week(tmp_path, path,
                                                                        quick, monkeypatch):
    """Before, during and after its first growth group every shipped scenario exports the
    same RSiena folders with the same actors; their matrices with outside-ties.csv hold
    exactly the edge list's nominations. The scenarios whose group joins classes do merge
    the model's units (the case that used to fail)."""
    import sim.studies.network_export as export

    config = load_scenario(path)
    if quick:
        config = config.override({"population.schools": 4})
    starts = [getattr(i, "group", i).start_week for i in config.interventions
              if "growth_group" in (i.type, getattr(getattr(i, "group", None), "type", ""))]
    weeks = [0, starts[0] + 2, starts[0] + 12][:2 if path.stem == "dafang_county" and not quick
                                               else 3]  # 2,718 classes: two weeks
    seen = []
    monkeypatch.setattr(export, "snapshot", lambda model: seen.append(
        model.population.n_units) or snapshot(model))
    out = tmp_path / "net"
    export_networks(config, out, weeks, formats=["edgelist", "rsiena"])
    merged = min(seen) < config.population.schools * config.population.classes_per_school
    assert merged == (path.stem in JOINT_GROUP), seen
    units = None
    for week in weeks:
        edges = {(a, b) for _, a, b in read_edge_list(out / f"edges-week{week}.csv")}
        got, sizes, _ = read_rsiena(out / "rsiena", week)
        assert got == edges
        assert units in (None, sizes)
        units = sizes
    assert len(units) == config.population.schools * config.population.classes_per_school


def test_rsiena_class_matrices_are_the_model_within_classes_during_a_joint_group(tmp_path):
    """Two classes, a school-wide group: each class's matrix at week k is the model's
    network among that class's children, and outside-ties.csv lists exactly the model's
    nominations between the classes (which the group makes possible)."""
    config = load_scenario(ROOT / "scenarios" / "dafang_yuchong.yaml").override({
        "population.class_size.mean": 16, "population.class_size.sd": 0,
        "population.class_size.min": 16, "population.left_behind_share": 0.5,
        "network.burn_in_years": 0.3})
    weeks = [0, 9, 12, 30]
    out = tmp_path / "net"
    export_networks(config, out, weeks, formats=["rsiena"], seed=5)
    model = PeerNetworkModel(config, seed=5)
    pop, everyone = model.population, np.arange(32)
    across = 0
    for week in weeks:
        model.run(week - model.week)
        x = pop.ties(everyone, everyone)
        names = pop.ids if pop.ids is not None else everyone.astype(str)
        _, sizes, outside = read_rsiena(out / "rsiena", week)
        assert sizes == {"class-1": 16, "class-2": 16}  # classes named from 1
        for c in (0, 1):
            block = np.loadtxt(out / "rsiena" / f"class-{c + 1}" / f"week-{week}.txt")
            assert (block == x[16 * c:16 * c + 16, 16 * c:16 * c + 16]).all()
        between = x * (pop.klass[:, None] != pop.klass[None, :])
        assert outside == ties(between, names)
        across += len(outside)
    assert pop.n_units == 1 and across > 0  # the group did join the classes


def test_snapshot_copies_the_state():
    config = parse_scenario({"name": "t",
                             "population": {"class_size": {"mean": 10, "sd": 0, "min": 10}},
                             "network": {"burn_in_years": 0.1}})
    model = PeerNetworkModel(config, seed=2)
    snap = snapshot(model)
    before = snap.xbuf.copy()
    model.run(5)
    assert (snap.xbuf == before).all() and snap.week == 0


# --- the command line: exit 2, file and line named, nothing written -------------------

@pytest.mark.parametrize("edges, attrs, words", [
    ("from,to\np01,p02\np01,p01\n", "id\np01\np02\n", "edges.csv, line 3: self-nomination"),
    ("from,to\np01,p02\np01,p02\n", "id\np01\np02\n", "edges.csv, line 3: duplicate row"),
    ("from,to\np01,p09\n", "id\np01\np02\n", "edges.csv, line 2: id 'p09' is not in"),
    ("from,to\np01,p02\n", "id,class\np01,A\np02,B\n", "edges.csv, line 2: p01 (class A)"),
    ("from,to\np01,p02\n", "id,confidence\np01,0.5\np02,lots\n", "attrs.csv, line 3:"),
    ("0 1 1\n1 0\n", "id\np01\np02\np03\n", "edges.csv, line 2: 2 values"),
    ("0 1\n1 0\n0 0\n", "id\np01\np02\np03\n", "edges.csv, line 1: 2 values per row but 3 "
                                               "rows"),
])
def test_import_errors_exit_2_and_write_nothing(tmp_path, edges, attrs, words):
    write(tmp_path / "edges.csv", edges)
    write(tmp_path / "attrs.csv", attrs)
    out = tmp_path / "out" / "s.yaml"
    r = runner.invoke(app, ["import", str(tmp_path / "edges.csv"), str(tmp_path / "attrs.csv"),
                            "--out", str(out)])
    assert r.exit_code == 2, r.output
    assert "error:" in r.output and words in " ".join(r.output.split())
    assert not out.exists()
    assert not out.parent.exists() or not any(out.parent.iterdir())


def test_import_refuses_to_overwrite_and_raises_the_cap(tmp_path):
    x = np.zeros((9, 9), dtype=int)
    x[0, 1:8] = 1
    edges, attrs = write_class(tmp_path, x)
    out = tmp_path / "s.yaml"
    assert runner.invoke(app, ["import", str(edges), str(attrs), "--out", str(out)]
                         ).exit_code == 0
    assert load_scenario(out).network.max_outdegree == 7
    text = out.read_text()
    r = runner.invoke(app, ["import", str(edges), str(attrs), "--out", str(out)])
    assert r.exit_code == 2 and "exists" in r.output and out.read_text() == text


def test_export_errors_exit_2_and_write_nothing(tmp_path):
    write(tmp_path / "m.txt", "0 1\n1 0\n")
    scenario = write_scenario(tmp_path, {"matrix": "m.txt"})
    for args, words in ((["--format", "gml"], "allowed: edgelist, graphml, rsiena"),
                        (["--weeks", "0,x"], "allowed: week numbers"),
                        (["--weeks", "-1"], "0 (the start) or later")):
        r = runner.invoke(app, ["export", str(scenario), "--out", str(tmp_path / "x"), *args])
        assert r.exit_code == 2 and words in r.output, r.output
        assert not (tmp_path / "x").exists()
    write(tmp_path / "m.txt", "0 1\n1 1\n")  # now a self-nomination on line 2
    r = runner.invoke(app, ["export", str(scenario), "--out", str(tmp_path / "x")])
    assert r.exit_code == 2 and "m.txt, line 2: self-nomination" in r.output
    assert not (tmp_path / "x").exists()


def test_a_failing_export_leaves_no_folder(tmp_path, monkeypatch):
    import sim.studies.network_export as export

    write(tmp_path / "m.txt", "0 1\n1 0\n")
    config = load_scenario(write_scenario(tmp_path, {"matrix": "m.txt"}))

    def broken(snap, path):
        raise OSError("disk full")

    monkeypatch.setattr(export, "write_graphml", broken)
    with pytest.raises(OSError):
        export_networks(config, tmp_path / "x", [0, 1])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["class.yaml", "m.txt"]


def test_check_survey_without_cap_accepts_any_outdegree(tmp_path):
    x = np.ones((7, 7), dtype=int) - np.eye(7, dtype=int)
    edges, attrs = write_class(tmp_path, x)
    survey = read_survey(edges=edges, attributes=attrs)
    check_survey(survey, False, None)
    with pytest.raises(DataError, match="names 6 friends"):
        check_survey(survey, False, 5)


@pytest.mark.parametrize("module", ["sim.io.read", "sim.io.survey", "sim.studies.network_export",
                                    "sim.studies.scenario_import"])
def test_io_modules_import_first_in_a_fresh_interpreter(module):
    import subprocess
    import sys

    r = subprocess.run([sys.executable, "-c", f"import {module}"], capture_output=True,
                       text=True)
    assert r.returncode == 0, r.stderr
