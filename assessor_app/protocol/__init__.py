"""Wire protocol v1: pydantic schemas shared by the desktop client and the hub.

Names are loaded on first use, so code that needs only ``protocol.v1`` (the client's
store and sync) does not also build the calibration schemas. The models themselves are
built eagerly: with pydantic's ``defer_build`` FastAPI's body parameters lose their
aliases.
"""

from __future__ import annotations

from importlib import import_module
from types import ModuleType

# Searched in this order; a name in both would come from v1, as it always has.
_PARTS = ("v1", "calibration")


def _part(name: str) -> ModuleType:
    return import_module(f"{__name__}.{name}")


def _all() -> list[str]:
    return [n for part in _PARTS for n in _part(part).__all__]


def __getattr__(name: str) -> object:
    if name == "__all__":
        value: object = _all()
    elif name.startswith("__"):
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    else:
        module = next((m for m in map(_part, _PARTS) if name in m.__all__), None)
        if module is None:
            raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
        value = getattr(module, name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_all()})
