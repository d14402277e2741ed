"""What a hub process keeps in memory between requests, found in the source: every
module-level mutable container, cached function and ``global`` of ``assessor_app/hub``.

Several workers (``serve --workers N``, or several ``serve`` processes) see the same
database, not each other's memory, so such state must either be derived from something
every process reads alike, or live in the database. Each one found is listed here with
the reason it is harmless; a new one fails until it is moved to the database or listed
with its reason.
"""

from __future__ import annotations

import ast
from pathlib import Path

import assessor_app.hub

HUB = Path(assessor_app.hub.__file__).parent
CACHES = {"cache", "lru_cache", "cached_property"}
CONTAINERS = {"dict", "list", "set", "defaultdict", "OrderedDict", "Counter", "deque"}

HARMLESS = {
    "badges/api.py: _issuers": "the issuer's keys, read from the data folder all workers "
    "share (serve makes a missing key before its workers start); a new key needs a restart, "
    "as with one process",
    "badges/conformance.py: cached _validator": "the Open Badges schema file shipped with the hub",
    "demo/media.py: global _STATS": "counts of the demo media cache, for seed-demo's summary; "
    "serve never uses it",
}


def _is_container(node: ast.expr | None) -> bool:
    if isinstance(node, ast.Dict | ast.List | ast.Set | ast.DictComp | ast.ListComp | ast.SetComp):
        return True
    if isinstance(node, ast.Call):
        func = node.func
        name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
        return name in CONTAINERS
    return False


def _decorator_name(node: ast.expr) -> str:
    target = node.func if isinstance(node, ast.Call) else node
    if isinstance(target, ast.Attribute):
        return target.attr
    return target.id if isinstance(target, ast.Name) else ""


def process_state() -> set[str]:
    found: set[str] = set()
    for path in sorted(HUB.rglob("*.py")):
        where = path.relative_to(HUB).as_posix()
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in tree.body:
            targets: list[ast.expr] = []
            if isinstance(node, ast.Assign):
                targets, value = node.targets, node.value
            elif isinstance(node, ast.AnnAssign):
                targets, value = [node.target], node.value
            for target in targets:
                # UPPER_CASE containers are constants by the project's convention.
                if (
                    isinstance(target, ast.Name)
                    and not target.id.isupper()
                    and not target.id.startswith("__")
                    and _is_container(value)
                ):
                    found.add(f"{where}: {target.id}")
        for node in ast.walk(tree):
            if isinstance(node, ast.Global):
                found.update(f"{where}: global {name}" for name in node.names)
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and any(
                _decorator_name(d) in CACHES for d in node.decorator_list
            ):
                found.add(f"{where}: cached {node.name}")
    return found


def test_every_piece_of_process_state_in_the_hub_is_known_to_be_harmless() -> None:
    assert process_state() == set(HARMLESS)
