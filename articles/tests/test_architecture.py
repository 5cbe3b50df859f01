"""The dependencies that must not exist (docs/architecture.md, "Dependencies that must not exist").

Every module's imports are read with `ast` — module-level and function-level alike, relative
imports resolved — and each rule below names who must not import what. A rule covers a package
and all its modules; a forbidden name covers that module and everything under it.
"""

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Rule:
    who: str
    must_not_import: tuple
    why: str


# The list docs/architecture.md gives, in its order.
RULES = (
    Rule("articles.models", ("articles.search", "articles.importer", "articles.views", "articles.admin"),
         "the model knows no search engine, no importer and no screen"),
    Rule("articles.importer", ("articles.page_cache", "articles.views", "articles.admin"),
         "the importer signals a change (articles.signals); it knows no page cache and no screen"),
    Rule("articles.exporter", ("articles.importer",),
         "the exporter shares the format with the importer through articles.format"),
    Rule("articles.import_jobs", ("articles.admin",), "jobs know no screen"),
    Rule("articles.curation", ("articles.admin",), "editors' operations know no screen"),
    Rule("articles.views", ("articles.importer", "articles.admin"), "readers' pages know no importer and no admin"),
    Rule("articles.admin", ("articles.importer.parse", "articles.importer.write"),
         "screens use the importer's public API (articles.importer), not its parser or writer"),
)

def module_name(path):
    """`articles/importer/run.py` -> `articles.importer.run`; a package's __init__ is the package."""
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imported_names(source, module, *, is_package=False):
    """Every module name `source` (the text of `module`) may import, with line numbers.

    `from a.b import c` yields both `a.b` and `a.b.c` (c may be a submodule)."""
    package = module if is_package else module.rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [(alias.name, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                base = ".".join(base + ([node.module] if node.module else []))
            else:
                base = node.module
            found.append((base, node.lineno))
            found += [(f"{base}.{alias.name}", node.lineno) for alias in node.names if alias.name != "*"]
    return found


def _covers(name, prefix):
    return name == prefix or name.startswith(prefix + ".")


def violations(source, module, *, is_package=False, rules=RULES):
    """(module, imported name, line, rule) for every import `rules` forbid `module`."""
    found = []
    for rule in rules:
        if not _covers(module, rule.who):
            continue
        for name, line in imported_names(source, module, is_package=is_package):
            for forbidden in rule.must_not_import:
                if _covers(name, forbidden):
                    found.append((module, name, line, rule, forbidden))
    return found


def project_modules():
    for path in sorted((ROOT / "articles").rglob("*.py")):
        if "tests" in path.relative_to(ROOT).parts:
            continue
        yield path, module_name(path), path.name == "__init__.py"


def _cases():
    for rule in RULES:
        for forbidden in rule.must_not_import:
            yield pytest.param(rule, forbidden, id=f"{rule.who} -/-> {forbidden}")


@pytest.mark.parametrize("rule, forbidden", list(_cases()))
def test_no_forbidden_import(rule, forbidden):
    found = []
    for path, module, is_package in project_modules():
        found += [
            f"{path.relative_to(ROOT)}:{line} imports {name}"
            for _, name, line, broken, what in violations(path.read_text(), module, is_package=is_package)
            if broken == rule and what == forbidden
        ]
    assert not found, f"{rule.who} must not import {forbidden} ({rule.why}):\n" + "\n".join(found)


def test_every_rule_names_modules_that_exist():
    modules = {module for _, module, _ in project_modules()}
    for rule in RULES:
        for name in (rule.who, *rule.must_not_import):
            assert name in modules, f"{name} is not a module: the rule would never fire"


# -- the checker itself, on small sources, so a forbidden import that comes back is caught --------


def test_a_function_level_relative_import_is_caught():
    source = "def after_import():\n    from ..admin.base import log_entries\n"
    found = violations(source, "articles.importer.run")
    assert [(name, line) for _, name, line, _, _ in found] == [
        ("articles.admin.base", 2), ("articles.admin.base.log_entries", 2)
    ]


def test_each_rule_fires_on_its_own_forbidden_import():
    for rule in RULES:
        for forbidden in rule.must_not_import:
            module = rule.who + ".some_module" if rule.who in ("articles.importer", "articles.admin") else rule.who
            source = f"import os\nfrom {forbidden} import something\n"
            assert violations(source, module), f"{rule.who} importing {forbidden} went unnoticed"


def test_allowed_imports_pass():
    allowed = {
        "articles.admin.articles": "from articles.importer import import_paths\nfrom articles.slugs import article_slug\n",
        "articles.importer.run": "from articles.signals import content_changed\nfrom django.contrib.admin.models import LogEntry\n",
        "articles.exporter": "from .format import ARTICLE_KEYS\nfrom .models import Article\n",
        "articles.import_jobs": "from .importer import Parsed, import_paths\nfrom .history import log_entries\n",
        "articles.page_cache": "from .importer import import_paths\n",  # no rule covers the page cache
    }
    for module, source in allowed.items():
        assert violations(source, module) == [], module


def test_package_relative_imports_resolve_from_the_package_itself():
    names = [name for name, _ in imported_names("from . import run\n", "articles.importer", is_package=True)]
    assert names == ["articles.importer", "articles.importer.run"]
    assert violations("from .. import admin\n", "articles.importer", is_package=True)


# -- engine-specific code ------------------------------------------------------------------------------

ENGINE_PACKAGE = ROOT / "articles" / "db"
VENDOR = "." + "vendor"  # spelled in two parts so this file does not mention it


def test_only_the_engine_package_asks_which_engine_it_runs_on():
    found = []
    for folder in ("articles", "newsroom", "bench"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            if ENGINE_PACKAGE in path.parents:
                continue
            for number, line in enumerate(path.read_text().splitlines(), 1):
                if VENDOR in line:
                    found.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert not found, "outside articles/db/, ask the engine package instead:\n" + "\n".join(found)
