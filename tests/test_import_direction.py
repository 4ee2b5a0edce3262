"""Imports point one way: app -> verifier <- eval, and models' training -> verifier.

The library never imports the app, the benchmark or the training code; the app
and the benchmark use only the library's public names (``verifier`` and its
packages and modules one level down, never a module inside a stage).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def imported_modules(path: Path) -> Iterator[str]:
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            yield node.module


def sources(folder: str) -> list[Path]:
    return sorted((REPO / folder).rglob("*.py"))


@pytest.mark.parametrize("path", sources("verifier"), ids=lambda p: str(p.relative_to(REPO)))
def test_the_library_imports_no_app_eval_or_training_code(path: Path) -> None:
    outside = [
        module
        for module in imported_modules(path)
        if module.split(".")[0] in {"app", "eval", "models"}
    ]
    assert not outside, f"{path.relative_to(REPO)} imports {outside}"


@pytest.mark.parametrize(
    "path", sources("app") + sources("eval"), ids=lambda p: str(p.relative_to(REPO))
)
def test_the_app_and_eval_use_only_public_library_names(path: Path) -> None:
    internal = [
        module
        for module in imported_modules(path)
        if module.split(".")[0] == "verifier" and module.count(".") > 1
    ]
    assert not internal, f"{path.relative_to(REPO)} imports library internals {internal}"


def test_stages_import_no_other_stage() -> None:
    stages = {"corpus", "retrieval", "judging", "decision"}
    for stage in stages:
        for path in sources(f"verifier/{stage}"):
            others = {
                module.split(".")[1]
                for module in imported_modules(path)
                if module.startswith("verifier.") and module.split(".")[1] in stages - {stage}
            }
            assert not others, f"{path.relative_to(REPO)} imports the stages {sorted(others)}"


# ------------------------------------------------------------------ circles
PROJECT = ("verifier", "app", "eval", "models")


def module_name(path: Path) -> str:
    parts = path.relative_to(REPO).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(path): path for folder in PROJECT for path in sources(folder)}


def project_imports(name: str, path: Path) -> set[str]:
    """The project modules ``name`` imports anywhere: at the top, in functions, under TYPE_CHECKING.

    ``from package import name`` imports the module ``package.name`` where
    there is one, else the package; a relative import is resolved from
    ``name``'s own package.
    """
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, *([base] if base else [])])
            targets = [
                f"{base}.{alias.name}" if f"{base}.{alias.name}" in MODULES else base
                for alias in node.names
            ]
        else:
            continue
        for target in targets:
            while target and target not in MODULES:
                target = target.rpartition(".")[0]
            if target and target != name:
                found.add(target)
    return found


def import_circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected groups of more than one module (Tarjan's algorithm), sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    circles: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                circles.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return sorted(circles)


def test_no_module_of_the_project_imports_itself_through_others() -> None:
    graph = {name: project_imports(name, path) for name, path in MODULES.items()}
    assert import_circles(graph) == []


def test_the_circle_finder_finds_a_circle() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}, "e": {"e"}}
    assert import_circles(graph) == [["a", "b", "c"]]
    assert import_circles({"a": {"b"}, "b": set()}) == []


def test_imports_inside_functions_and_under_type_checking_count(tmp_path: Path) -> None:
    graph = {
        name: project_imports(name, path)
        for name, path in MODULES.items()
        if name in {"models.train_nli", "verifier"}
    }
    assert "models.adapt_nli" in graph["models.train_nli"]
    assert "verifier.pipeline" in graph["verifier"]  # under TYPE_CHECKING only


def public_names(module: str) -> set[str] | None:
    """The names in ``module``'s ``__all__``, or ``None`` where it has none."""
    tree = ast.parse(MODULES[module].read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
            isinstance(target, ast.Name) and target.id == "__all__" for target in node.targets
        ):
            return set(ast.literal_eval(node.value))
    return None


@pytest.mark.parametrize("path", sources("eval"), ids=lambda p: str(p.relative_to(REPO)))
def test_eval_uses_only_the_public_names_of_the_training_code(path: Path) -> None:
    """Public: listed in the module's ``__all__``; a module without one offers eval nothing."""
    private = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            private += [a.name for a in node.names if a.name.split(".")[0] == "models"]
        elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "models":
            offered = public_names(node.module) if node.module in MODULES else None
            private += [
                f"{node.module}.{alias.name}"
                for alias in node.names
                if offered is None or alias.name not in offered
            ]
    assert not private, (
        f"{path.relative_to(REPO)} imports training code that is not public: {private}"
    )
