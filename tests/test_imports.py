"""The package's imports point one way: no cycle among the modules of sim/, and the
vocabulary at the bottom imports nothing from sim."""

import ast
from pathlib import Path

SIM = Path(__file__).resolve().parents[1] / "sim"


def module_name(path: Path) -> str:
    parts = path.relative_to(SIM.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in SIM.rglob("*.py")}


def imported(path: Path) -> set[str]:
    """The sim modules ``path`` imports anywhere in it (module level or inside functions):
    ``from sim.a import b`` names module ``sim.a.b`` if there is one, else ``sim.a``."""
    out = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names if a.name.split(".")[0] == "sim")
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0 \
                and node.module.split(".")[0] == "sim":
            for a in node.names:
                sub = f"{node.module}.{a.name}"
                out.add(sub if sub in MODULES else node.module)
    return {m for m in out if m in MODULES}


GRAPH = {m: imported(p) - {m} for m, p in MODULES.items()}


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle as a list of modules (first = last), or None."""
    state: dict[str, int] = {}  # 1 on the stack, 2 done
    stack: list[str] = []

    def visit(m: str) -> list[str] | None:
        state[m] = 1
        stack.append(m)
        for n in sorted(graph[m]):
            if state.get(n) == 1:
                return stack[stack.index(n):] + [n]
            if n not in state and (found := visit(n)):
                return found
        stack.pop()
        state[m] = 2
        return None

    for m in sorted(graph):
        if m not in state and (found := visit(m)):
            return found
    return None


def test_cycle_finder_finds_a_cycle_and_accepts_a_tree():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b", "c"}, "b": {"c"}, "c": set()}) is None


def test_sim_has_no_import_cycle():
    cycle = find_cycle(GRAPH)
    assert cycle is None, " -> ".join(cycle)


def test_vocabulary_imports_nothing_from_sim():
    assert GRAPH["sim.vocabulary"] == set()


def test_the_engine_does_not_import_the_classroom_world():
    """sim.saom stands alone: numpy in, numpy out (its imports from sim are two
    standard-library helpers: sim.suggest, the did-you-mean every error message shares, and
    sim.lazy, which imports a package's names on first use)."""
    for m, deps in GRAPH.items():
        if m.startswith("sim.saom"):
            outside = {d for d in deps if not d.startswith("sim.saom")
                       and d not in ("sim.suggest", "sim.lazy")}
            assert not outside, (m, outside)


# the folders of sim/ from the bottom up (docs/architecture.md): a module imports only from
# its own layer or those below it; "base" is the modules directly in sim/ and sim.data
LAYERS = ("base", "saom", "io", "world", "viz", "studies", "cli")


def layer(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 2 or parts[1:] and parts[1] in LAYERS else "base"


def upward_imports(graph: dict[str, set[str]]) -> list[str]:
    """Every import of a module from a layer above its own, as 'a -> b'."""
    rank = {name: i for i, name in enumerate(LAYERS)}
    return sorted(f"{m} -> {d}" for m, deps in graph.items() for d in deps
                  if rank[layer(d)] > rank[layer(m)])


def test_layer_rule_finds_an_upward_import():
    assert layer("sim.vocabulary") == "base" and layer("sim.data") == "base"
    assert layer("sim.world.model") == "world" and layer("sim.saom") == "saom"
    assert upward_imports({"sim.saom.x": {"sim.world.model"}, "sim.world.model": {"sim.saom.x"}}) \
        == ["sim.saom.x -> sim.world.model"]


def test_imports_point_down_the_layers():
    assert all(layer(m) in LAYERS for m in GRAPH), sorted({layer(m) for m in GRAPH})
    assert upward_imports(GRAPH) == []


def test_no_module_sits_loose_in_sim_outside_the_base():
    """The base is the shared vocabulary, not a room for a new feature."""
    loose = {m for m in GRAPH if m.count(".") == 1 and layer(m) == "base"}
    assert loose == {"sim.atomic", "sim.compiled", "sim.data", "sim.lazy", "sim.schema",
                     "sim.suggest", "sim.version", "sim.vocabulary"}, loose


def test_the_numba_internals_are_used_only_by_the_engine():
    users = {m for m, deps in GRAPH.items() for d in deps
             if d.startswith("sim.saom._numba") and not m.startswith("sim.saom")}
    assert not users, users


def test_no_module_of_sim_is_over_500_lines():
    long = {m: n for m, p in MODULES.items() if (n := len(p.read_text().splitlines())) > 500}
    assert not long, long


def test_help_and_estimate_load_neither_mesa_pandas_nor_matplotlib():
    """The command line imports what a command needs when it runs (start-up time); nor
    does estimate load scipy.linalg (numba's set-up would:
    sim.saom._numba.preload_cython_blas) or pydantic (typer would: sim.cli.coercion)."""
    import subprocess
    import sys

    code = ("import sys\nfrom typer.testing import CliRunner\nfrom sim.cli.main import app\n"
            "assert CliRunner().invoke(app, ['--help']).exit_code == 0\n"
            "r = CliRunner().invoke(app, ['estimate', '--data', 'baerveldt/school04', "
            "'--effects', 'density,recip'])\nassert r.exit_code == 0, r.output\n"
            "print(sorted(m for m in ('mesa', 'pandas', 'matplotlib', 'scipy.linalg', 'pydantic') "
            "if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "[]"
