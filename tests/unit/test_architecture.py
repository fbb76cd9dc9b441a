"""The rooms keep their doors: imports run urls -> views -> services -> the CxEngage client.

Read from the source (the AST), so a lazy import inside a function counts as much as one at the
top of a module.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

APP = Path(__file__).resolve().parents[2] / "interactions_app"
MAX_VIEW_LINES = 15
VIEW_DECORATORS = {"require_GET", "require_http_methods", "login_not_required"}


def _module_name(path: Path) -> str:
    parts = path.relative_to(APP.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> set[str]:
    """Every module ``path`` imports, relative imports resolved (``from x import y`` counts as
    importing ``x.y`` too, since ``y`` may be a module)."""
    package = _module_name(path).split(".")
    if path.name != "__init__.py":
        package = package[:-1]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            module = ".".join([*base, *(node.module.split(".") if node.module else [])])
            found.add(module)
            found |= {f"{module}.{alias.name}" for alias in node.names}
    return found


MODULES = {_module_name(p): _imports(p) for p in APP.rglob("*.py") if "migrations" not in p.parts}


def importers_of(target: str) -> set[str]:
    return {
        name
        for name, imported in MODULES.items()
        if any(i == target or i.startswith(target + ".") for i in imported)
    }


def in_package(name: str, package: str) -> bool:
    return name == package or name.startswith(package + ".")


def test_the_module_map_is_read():
    assert "interactions_app.views.results" in MODULES
    assert "interactions_app.cxengage.factory" in MODULES["interactions_app.services.interactions"]
    assert "interactions_app.services" in importers_of("interactions_app.cxengage")


def test_views_never_import_the_cxengage_package():
    views = {
        m
        for m in importers_of("interactions_app.cxengage")
        if in_package(m, "interactions_app.views")
    }
    assert views == set()


# The interaction index's syncer reads pages through the same client as the services (no second
# HTTP client); it is the one module outside the service layer allowed to, and it is named.
INDEX_SYNC = "interactions_app.index.sync"


def test_only_services_build_a_client():
    allowed = {"interactions_app.cxengage.factory"}
    users = importers_of("interactions_app.cxengage.factory") - allowed
    assert users and all(
        in_package(m, "interactions_app.services") or m == INDEX_SYNC for m in users
    ), users
    clients = importers_of("interactions_app.cxengage.client") - allowed
    assert all(
        in_package(m, "interactions_app.services")
        or in_package(m, "interactions_app.cxengage")
        or m == INDEX_SYNC
        for m in clients
    ), clients


def test_the_index_builds_a_client_only_in_its_syncer():
    assert INDEX_SYNC in MODULES  # the allowance names a module that exists
    index = {m for m in MODULES if in_package(m, "interactions_app.index")}
    builders = index & (
        importers_of("interactions_app.cxengage.factory")
        | importers_of("interactions_app.cxengage.client")
    )
    assert builders == {INDEX_SYNC}


def test_only_the_client_speaks_http():
    assert importers_of("requests") <= {"interactions_app.cxengage.client"}


def test_template_tags_import_no_views():
    tags = {m for m in MODULES if in_package(m, "interactions_app.templatetags")}
    assert tags
    for tag in tags:
        assert not any(in_package(i, "interactions_app.views") for i in MODULES[tag]), tag


@pytest.mark.parametrize(
    ("lower", "upper"),
    [
        ("interactions_app.services", "interactions_app.views"),
        ("interactions_app.services", "interactions_app.sources"),
        ("interactions_app.services", "interactions_app.urls"),
        ("interactions_app.caching", "interactions_app.services"),
        ("interactions_app.caching", "interactions_app.views"),
        ("interactions_app.views", "interactions_app.urls"),
        ("interactions_app.sources", "interactions_app.views"),
        ("interactions_app.index", "interactions_app.views"),
        ("interactions_app.index", "interactions_app.sources"),
    ],
)
def test_imports_run_one_way(lower, upper):
    assert not {m for m in importers_of(upper) if in_package(m, lower)}


def test_every_view_is_a_few_lines():
    long = []
    for path in (APP / "views").glob("*.py"):
        for node in ast.parse(path.read_text()).body:
            decorators = {
                getattr(d, "id", None) or getattr(getattr(d, "func", None), "id", None)
                for d in getattr(node, "decorator_list", [])
            }
            if isinstance(node, ast.FunctionDef) and decorators & VIEW_DECORATORS:
                lines = node.end_lineno - node.lineno + 1
                if lines > MAX_VIEW_LINES:
                    long.append(f"{path.name}:{node.name} {lines} lines")
    assert not long
