"""The shape of the code, checked: the import contracts in ``.importlinter`` hold, they would
catch a forbidden import, and no two modules import each other (imports inside functions
count: a function-local import that dodges a circle is still a circle)."""

import shutil
import subprocess
import sys
from pathlib import Path

import grimp
import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("intervision", "demo", "sessions_app", "residents", "planning")
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def lint_imports(tree: Path) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603 (our own lint-imports on our own tree)
        [str(LINT_IMPORTS), "--no-cache", "--config", str(tree / ".importlinter")],
        cwd=tree, env={"PYTHONPATH": str(tree), "PATH": "/usr/bin:/bin"},
        capture_output=True, text=True, timeout=300,
    )


def copy_of_the_tree(tmp_path: Path) -> Path:
    tree = tmp_path / "tree"
    tree.mkdir()
    shutil.copy(ROOT / ".importlinter", tree)
    for package in PACKAGES:
        shutil.copytree(ROOT / package, tree / package,
                        ignore=shutil.ignore_patterns("__pycache__", "migrations"))
    return tree


def test_the_import_contracts_hold():
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


@pytest.mark.parametrize(("module", "line", "contract"), [
    ("residents/services/people.py", "from sessions_app.models import Session",
     "Dependencies point one way"),
    ("planning/availability.py", "from django.utils import timezone",
     "The planning engines import nothing of Django"),
    ("sessions_app/selectors/groups.py", "from sessions_app.services import groups",
     "Selectors never import services"),
    ("sessions_app/views/groups.py", "from planning import solver",
     "Web processes never load OR-Tools, pandas or numpy"),
    ("planning/availability.py", "import numpy",
     "Web processes never load OR-Tools, pandas or numpy"),
])
def test_a_forbidden_import_breaks_a_contract(tmp_path, module, line, contract):
    tree = copy_of_the_tree(tmp_path)
    target = tree / module
    # Inside a function on purpose: the contracts count those imports too.
    target.write_text(target.read_text() + f"\n\ndef _added_by_the_test():\n    {line}\n")
    result = lint_imports(tree)
    assert result.returncode != 0
    broken = [row for row in result.stdout.splitlines() if " BROKEN" in row]
    assert any(row.startswith(contract) for row in broken), result.stdout


def import_cycles(graph: grimp.ImportGraph) -> list[list[str]]:
    """Strongly connected groups of more than one module (Tarjan's algorithm, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []
    for root in sorted(graph.modules):
        if root in index:
            continue
        work = [(root, iter(sorted(graph.find_modules_directly_imported_by(root))))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.find_modules_directly_imported_by(child)))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    cycles.append(sorted(component))
    return cycles


def test_no_two_modules_import_each_other():
    graph = grimp.build_graph(*PACKAGES)
    assert import_cycles(graph) == []


def test_the_cycle_check_finds_a_circle_made_by_an_import_inside_a_function():
    graph = grimp.build_graph(*PACKAGES)
    graph.add_import(importer="residents.models", imported="residents.services.people")
    assert ["residents.models", "residents.services.people"] in import_cycles(graph)
