"""Discovers the rules: one module per rule under ``audits/rules/<family>/``."""

from __future__ import annotations

import fnmatch
import importlib
import pkgutil
from functools import cache

from audits.rule import FAMILIES, Rule, RuleDefinitionError
from searchops.errors import SearchopsError


@cache
def all_rules() -> tuple[type[Rule], ...]:
    """Every rule, sorted by ID. Importing a family package that fails is a bug, not a skip."""
    import audits.rules as package

    found: dict[str, type[Rule]] = {}
    for family in FAMILIES:
        try:
            family_pkg = importlib.import_module(f"{package.__name__}.{family}")
        except ModuleNotFoundError as exc:
            if exc.name == f"{package.__name__}.{family}":
                continue  # a family with no rules yet
            raise
        for info in pkgutil.iter_modules(family_pkg.__path__):
            if info.name.startswith("_"):
                continue
            module = importlib.import_module(f"{family_pkg.__name__}.{info.name}")
            own = [
                obj
                for obj in vars(module).values()
                if isinstance(obj, type)
                and issubclass(obj, Rule)
                and obj.__module__ == module.__name__
                and "id" in obj.__dict__
            ]
            if len(own) != 1:
                raise RuleDefinitionError(
                    f"{module.__name__}: a rule module defines exactly one rule, found {len(own)}"
                )
            rule = own[0]
            if rule.family != family:
                raise RuleDefinitionError(
                    f"{module.__name__}: {rule.id} has family {rule.family!r} but lives in {family}/"
                )
            if rule.id in found:
                raise RuleDefinitionError(f"{rule.id}: defined in two modules")
            found[rule.id] = rule
    return tuple(found[k] for k in sorted(found))


def get_rule(rule_id: str) -> type[Rule]:
    for rule in all_rules():
        if rule.id == rule_id:
            return rule
    raise SearchopsError(f"no rule {rule_id!r} (searchops rules lists them)")


def _matches(rule: type[Rule], pattern: str) -> bool:
    pattern = pattern.strip()
    if pattern.lower() in (rule.family, rule.slug):
        return True
    return fnmatch.fnmatchcase(rule.id, pattern.upper())


def select_rules(
    include: list[str] | str | None = None, exclude: list[str] | str | None = None
) -> list[type[Rule]]:
    """Rules picked by ID, glob (``SEO-META-*``), slug or family; ``exclude`` wins."""

    def patterns(value: list[str] | str | None) -> list[str]:
        if value is None:
            return []
        items = value.split(",") if isinstance(value, str) else value
        return [p.strip() for p in items if p and p.strip()]

    rules = list(all_rules())
    wanted, unwanted = patterns(include), patterns(exclude)
    for pattern in wanted + unwanted:
        if not any(_matches(rule, pattern) for rule in rules):
            raise SearchopsError(f"no rule matches {pattern!r} (searchops rules lists them)")
    if wanted:
        rules = [r for r in rules if any(_matches(r, p) for p in wanted)]
    return [r for r in rules if not any(_matches(r, p) for p in unwanted)]
