"""The fast path is a part of the house: it calls app/core's helpers and never a route module,
so a route's behaviour has one definition (the route) and the fast path follows it."""

import ast
from pathlib import Path

import app.fastpath

PACKAGE = Path(app.fastpath.__file__).parent


def test_the_fast_path_imports_no_route_module() -> None:
    imported = set()
    for module in PACKAGE.glob("*.py"):
        for node in ast.walk(ast.parse(module.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module:
                imported |= {node.module, *(f"{node.module}.{a.name}" for a in node.names)}
            elif isinstance(node, ast.Import):
                imported |= {alias.name for alias in node.names}
    assert imported  # the walk saw the imports
    assert not {name for name in imported if "routes" in name.split(".")[-1]}
