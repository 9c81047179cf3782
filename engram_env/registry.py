"""Lookup of the registered generators by name, tier, domain and reasoning pattern.

Generators register themselves when their module is imported; every module of
``engram_env.generators`` is imported on first use of this registry, so the set of tasks is
simply what the package contains.
"""

from __future__ import annotations

import difflib
import importlib
import pkgutil
from functools import cache

from engram_env.generator import _REGISTRY, Generator


class UnknownTaskError(ValueError):
    """A task name that no generator declares."""


@cache
def load_generators() -> dict[str, Generator]:
    """Import every generator module once; return the name -> generator map (sorted by name)."""
    import engram_env.generators as package

    for module in pkgutil.iter_modules(package.__path__):
        if module.name.startswith("_"):
            continue  # shared helpers, not tasks
        importlib.import_module(f"{package.__name__}.{module.name}")
    return dict(sorted(_REGISTRY.items()))


def task_names() -> list[str]:
    return list(load_generators())


def get_generator(name: str) -> Generator:
    """The generator called ``name``; unknown names get close matches in the error."""
    generators = load_generators()
    try:
        return generators[name]
    except (KeyError, TypeError):
        close = difflib.get_close_matches(str(name), generators, n=3, cutoff=0.6)
        hint = f"; did you mean {', '.join(map(repr, close))}?" if close else ""
        raise UnknownTaskError(
            f"unknown task {name!r}{hint} ({len(generators)} tasks are registered; "
            "`engram list` shows them)"
        ) from None


def select(
    tier: int | None = None,
    domain: str | None = None,
    pattern: str | None = None,
) -> list[Generator]:
    """Generators matching every given filter, sorted by tier then name."""
    found = [
        g
        for g in load_generators().values()
        if (tier is None or g.tier == tier)
        and (domain is None or g.domain == domain)
        and (pattern is None or g.pattern == pattern)
    ]
    return sorted(found, key=lambda g: (g.tier, g.name))
