"""The package's layers, as ``sessions/__init__.py`` and each folder's ``__init__`` state
them: a folder imports only the layers below it (and the core modules)."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent / "sessions"
CORE = "core"
MAY_IMPORT: dict[str, frozenset[str]] = {
    CORE: frozenset({CORE}),
    "protocol": frozenset({CORE, "protocol"}),
    "collab": frozenset({CORE, "collab"}),
    "interview": frozenset({CORE, "protocol", "collab", "interview"}),
    "room": frozenset({CORE, "protocol", "collab", "interview", "room"}),
    "execution": frozenset({CORE, "protocol", "interview", "execution"}),
    "persistence": frozenset({CORE, "protocol", "collab", "interview", "room", "persistence"}),
    "web": frozenset(
        {CORE, "protocol", "collab", "interview", "room", "execution", "persistence", "web"}
    ),
}


def layer_of_path(path: Path) -> str:
    parts = path.relative_to(ROOT).parts
    return parts[0] if len(parts) > 1 else CORE


def layer_of_module(module: str) -> str | None:
    parts = module.split(".")
    if parts[0] != "sessions":
        return None
    if len(parts) == 1:
        return CORE
    return parts[1] if (ROOT / parts[1]).is_dir() else CORE


def imported_modules(path: Path) -> list[str]:
    modules = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            modules += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module == "sessions":
                modules += [f"sessions.{alias.name}" for alias in node.names]
            else:
                modules.append(node.module)
    return modules


def test_every_folder_of_the_package_has_a_declared_layer():
    folders = {p.name for p in ROOT.iterdir() if (p / "__init__.py").exists()}
    assert folders == set(MAY_IMPORT) - {CORE}


def test_each_layer_imports_only_the_layers_it_may():
    offenders = []
    for path in ROOT.rglob("*.py"):
        layer = layer_of_path(path)
        for module in imported_modules(path):
            target = layer_of_module(module)
            if target is not None and target not in MAY_IMPORT[layer]:
                offenders.append(f"{path.relative_to(ROOT)} ({layer}) imports {module}")
    assert offenders == []
