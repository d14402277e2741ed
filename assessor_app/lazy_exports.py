"""Names a package re-exports, imported from their home module on first use (PEP 562).

A package's ``__init__`` that imports all of its modules makes every ``from package
import X`` pay for all of them; the desktop app's start-up reads a few names from
``store`` and ``domain`` before its window shows, so those packages say where each name
lives instead, and the module is imported when the name is first read.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from importlib import import_module
from typing import Any


def lazy_exports(
    namespace: dict[str, Any], homes: Mapping[str, str]
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """``(__getattr__, __dir__)`` for the package whose globals are ``namespace``;
    ``homes`` maps each exported name to its module, relative to the package."""
    package = namespace["__name__"]

    def __getattr__(name: str) -> Any:
        home = homes.get(name)
        if home is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(import_module(f"{package}.{home}"), name)
        # Cached so the next lookup is a plain module attribute.
        namespace[name] = value
        return value

    def __dir__() -> list[str]:
        return sorted([*namespace, *homes])

    return __getattr__, __dir__
