"""The transports (app/api/, bot/) reach the database only through the services, read from the source.

What a transport module may import:

- nothing from ``sqlalchemy`` or ``sqlmodel``, except ``AsyncSession`` from ``sqlmodel.ext.asyncio.session``,
  the type of a session it opens and hands to a service;
- from ``app.models``, the request and reply shapes (``LeadCreate``, ``LeadPublic``, ...) freely, and the
  table classes only to name a type in an annotation; a table class used as a value (``select(Lead)``,
  ``session.get(Lead, ...)``, ``Lead.owner_id == ...``) is a query and belongs in a service.

Reading a row's attributes (``lead.owner_id``) is fine: the service handed the row over."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import app.models

ROOT = Path(__file__).resolve().parents[2]
TRANSPORTS = ("app/api", "bot")
FORBIDDEN_PACKAGES = ("sqlalchemy", "sqlmodel")
ALLOWED_FROM = {"sqlmodel.ext.asyncio.session": {"AsyncSession"}}
TABLES = frozenset(
    name
    for name, value in vars(app.models).items()
    if isinstance(value, type) and hasattr(value, "__table__")
)


def _annotation_nodes(tree: ast.AST) -> set[int]:
    """The ids of every node that sits inside a type annotation."""
    inside: set[int] = set()

    def mark(node: ast.AST | None) -> None:
        if node is not None:
            inside.update(id(child) for child in ast.walk(node))

    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            arguments = node.args
            for argument in [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs]:
                mark(argument.annotation)
            mark(arguments.vararg.annotation if arguments.vararg else None)
            mark(arguments.kwarg.annotation if arguments.kwarg else None)
            mark(node.returns)
        elif isinstance(node, ast.AnnAssign):
            mark(node.annotation)
    return inside


def violations(source: str) -> list[str]:
    """Each import or use in ``source`` that breaks the rule, as a short line."""
    tree = ast.parse(source)
    found: list[str] = []
    tables: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [
                f"line {node.lineno}: import {alias.name}"
                for alias in node.names
                if alias.name.split(".")[0] in FORBIDDEN_PACKAGES
            ]
        elif isinstance(node, ast.ImportFrom) and node.module:
            if node.module.split(".")[0] in FORBIDDEN_PACKAGES:
                allowed = ALLOWED_FROM.get(node.module, set())
                found += [
                    f"line {node.lineno}: from {node.module} import {alias.name}"
                    for alias in node.names
                    if alias.name not in allowed
                ]
            elif node.module == "app.models":
                tables |= {alias.asname or alias.name for alias in node.names if alias.name in TABLES}
            elif node.module == "app" and any(alias.name == "models" for alias in node.names):
                found.append(f"line {node.lineno}: from app import models")
    annotations = _annotation_nodes(tree)
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and node.id in tables and id(node) not in annotations:
            found.append(f"line {node.lineno}: table {node.id} used as a value")
    return found


def _modules() -> list[str]:
    return sorted(
        str(path.relative_to(ROOT)) for folder in TRANSPORTS for path in (ROOT / folder).rglob("*.py")
    )


@pytest.mark.parametrize("module", _modules())
def test_a_transport_reaches_the_database_only_through_services(module: str) -> None:
    assert violations((ROOT / module).read_text("utf-8")) == []


def test_the_rule_catches_each_kind_of_query() -> None:
    source = """
from sqlalchemy import func
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession
from app.models import Lead, LeadPublic

async def read(session: AsyncSession, lead: Lead) -> LeadPublic:
    row = await session.get(Lead, lead.id)
    return LeadPublic.model_validate(row)
"""
    assert violations(source) == [
        "line 2: from sqlalchemy import func",
        "line 3: from sqlmodel import select",
        "line 8: table Lead used as a value",
    ]


def test_annotations_and_shapes_pass() -> None:
    source = """
from sqlmodel.ext.asyncio.session import AsyncSession
from app.models import FollowUp, LeadCreate

def shape(session: AsyncSession, row: FollowUp | None) -> LeadCreate:
    pending: list[FollowUp] = []
    return LeadCreate.model_validate({"rows": pending})
"""
    assert violations(source) == []


# --- package layering ---------------------------------------------------------------------------------
#
# app/server.py and app/cli.py are the composition root: they alone may import bot/ and cards/. The rest
# of app/ never does; cards/ uses only the engine (app.nurturing) and the words for codes (app.vocabulary,
# plain data); the engine imports nothing of ours
# outside itself; bot/ uses app and cards freely.

COMPOSITION_ROOT = frozenset({"app/server.py", "app/cli.py"})


def imported_modules(source: str) -> set[str]:
    """Every module ``source`` imports, at any depth of the file (imports inside functions too)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found |= {f"{node.module}.{alias.name}" for alias in node.names} | {node.module}
    return found


def layering_violations(path: str, source: str) -> list[str]:
    """The imports of the module at ``path`` that point against the package layering."""
    modules = imported_modules(source)

    def outside(*allowed: str) -> list[str]:
        return sorted(
            m for m in modules if m.split(".")[0] in ("app", "bot", "cards") and not m.startswith(allowed)
        )

    if path.startswith("app/nurturing/"):
        return outside("app.nurturing")
    if path.startswith("cards/"):
        return sorted(m for m in outside("app.nurturing", "app.vocabulary", "cards") if m != "app")
    if path.startswith("app/") and path not in COMPOSITION_ROOT:
        return sorted(m for m in modules if m.split(".")[0] in ("bot", "cards"))
    return []


def _package_modules() -> list[str]:
    folders = ("app", "cards")
    return sorted(
        str(path.relative_to(ROOT))
        for folder in folders
        for path in (ROOT / folder).rglob("*.py")
        if "node_modules" not in path.parts
    )


@pytest.mark.parametrize("module", _package_modules())
def test_packages_depend_one_way(module: str) -> None:
    assert layering_violations(module, (ROOT / module).read_text("utf-8")) == []


def test_the_layering_rule_catches_each_wrong_direction() -> None:
    assert layering_violations("app/services/leads.py", "from bot.card_views import ViewReader") == [
        "bot.card_views",
        "bot.card_views.ViewReader",
    ]
    assert layering_violations("app/nurturing/scoring.py", "import app.services.leads") == [
        "app.services.leads"
    ]
    assert layering_violations("cards/lead.py", "def f():\n    from app.db import transaction\n") == [
        "app.db",
        "app.db.transaction",
    ]
    assert layering_violations("app/cli.py", "from cards.samples import write_samples") == []
