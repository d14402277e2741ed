"""The layer rules of docs/architecture.md, checked on the source: imports point down only,
and the written table says exactly what is checked."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "assessor_app"

# For each layer, the assessor_app layers it must never import.
FORBIDDEN_LAYERS: dict[str, set[str]] = {
    "domain": {"protocol", "store", "sync", "services", "reports", "media", "ui", "hub", "cli"},
    "protocol": {"store", "sync", "services", "reports", "media", "ui", "hub", "cli"},
    "store": {"sync", "services", "media", "ui", "hub", "cli", "reports"},
    "reports": {"store", "sync", "services", "media", "ui", "hub", "cli"},
    "sync": {"services", "media", "ui", "hub", "cli"},
    "media": {"store", "sync", "services", "ui", "hub", "cli"},
    "services": {"ui", "hub", "cli"},
    "hub": {"store", "sync", "services", "media", "ui", "cli"},
    "ui": {"store", "sync", "hub"},
    "cli": {"ui", "media", "hub"},
    # Shared by the hub and the client, so it may lean on neither.
    "common": {
        "domain",
        "protocol",
        "store",
        "sync",
        "services",
        "reports",
        "media",
        "ui",
        "hub",
        "cli",
    },
}
# Which Qt modules each layer may use; absent means no Qt at all.
ALLOWED_QT: dict[str, set[str]] = {
    "ui": {"*"},
    "media": {"QtCore", "QtGui"},
    "services": {"QtCore"},
}


def _imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append(node.module)
            names.extend(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def _layer_files() -> list[tuple[str, Path]]:
    files = []
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE)
        layer = rel.parts[0].removesuffix(".py") if len(rel.parts) > 1 else None
        if layer in FORBIDDEN_LAYERS:
            files.append((layer, path))
    return files


@pytest.mark.parametrize(
    ("layer", "path"),
    _layer_files(),
    ids=lambda v: str(v.relative_to(PACKAGE)) if isinstance(v, Path) else v,
)
def test_imports_point_down(layer: str, path: Path) -> None:
    for name in _imports(path):
        parts = name.split(".")
        if parts[0] == "assessor_app" and len(parts) > 1:
            assert parts[1] not in FORBIDDEN_LAYERS[layer], f"{path}: {layer}/ imports {name}"
        if parts[0] == "PySide6":
            allowed = ALLOWED_QT.get(layer, set())
            module = parts[1] if len(parts) > 1 else ""
            assert "*" in allowed or module in allowed, f"{path}: {layer}/ imports {name}"
        if layer == "ui" and parts[0] == "PySide6":
            assert path.name == "qt.py", f"{path}: UI code imports Qt through assessor_app.ui.qt"


def test_importing_domain_loads_neither_qt_nor_sqlalchemy() -> None:
    probe = (
        "import sys, assessor_app.domain, assessor_app.protocol;"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in "
        "('PySide6', 'sqlalchemy', 'httpx', 'vlc'));"
        "print(','.join(bad))"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


ARCHITECTURE_DOC = PACKAGE.parent / "docs" / "architecture.md"


def _cell_set(cell: str) -> set[str]:
    words = cell.strip()
    if words == "—":
        return set()
    if words.startswith("all"):
        return {"*"}
    return {word.strip() for word in words.split(",")}


def _written_layer_table() -> dict[str, tuple[set[str], set[str], set[str]]]:
    """docs/architecture.md's "What each layer may import" rows: may, must not, Qt."""
    text = ARCHITECTURE_DOC.read_text(encoding="utf-8")
    section = text.split("### What each layer may import", 1)[1].split("\n#", 1)[0]
    rows: dict[str, tuple[set[str], set[str], set[str]]] = {}
    for line in section.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) != 4 or cells[0] in ("layer", "") or set(cells[0]) <= {"-"}:
            continue
        rows[cells[0]] = (_cell_set(cells[1]), _cell_set(cells[2]), _cell_set(cells[3]))
    return rows


def test_written_layer_map_matches_the_checked_rules() -> None:
    written = _written_layer_table()
    assert set(written) == set(FORBIDDEN_LAYERS)
    for layer, (may, must_not, qt) in written.items():
        assert must_not == FORBIDDEN_LAYERS[layer], f"{layer}: must not import"
        assert may == set(FORBIDDEN_LAYERS) - FORBIDDEN_LAYERS[layer] - {layer}, layer
        assert qt == ALLOWED_QT.get(layer, set()), f"{layer}: Qt"
