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
