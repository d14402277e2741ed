"""What importing costs and where imports go: the calibration views load no reportlab,
and the domain's modules import each other without a circle."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from graphlib import CycleError, TopologicalSorter
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "assessor_app"


def test_opening_the_calibration_views_loads_no_reportlab() -> None:
    # The window imports every calibration view, their models and the service.
    probe = (
        "import sys, assessor_app.ui.calibration.window;"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'reportlab'))"
    )
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, env=env
    )
    assert out.stdout.strip() == "[]"


def test_writing_a_calibration_report_still_loads_reportlab() -> None:
    # The other side of the test above: the report module is where reportlab comes in.
    probe = "import sys, assessor_app.reports.calibration_report;print('reportlab' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "True"


def _domain_graph() -> dict[str, set[str]]:
    """Each domain module and the domain modules it imports, at run time or for types."""
    graph: dict[str, set[str]] = {}
    for path in sorted((PACKAGE / "domain").glob("*.py")):
        name = path.stem
        targets: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                parts = node.module.split(".")
                if parts[:2] == ["assessor_app", "domain"] and len(parts) > 2:
                    targets.add(parts[2])
        # The package's lazy name table points at every module; it is not a dependency.
        graph[name] = targets if name != "__init__" else set()
    return graph


def test_domain_modules_import_each_other_without_a_circle() -> None:
    graph = _domain_graph()
    assert {"rubric", "feedback_quality", "evaluation"} <= graph.keys()
    try:
        order = list(TopologicalSorter(graph).static_order())
    except CycleError as error:
        raise AssertionError(f"domain/ imports in a circle: {error.args[1]}") from None
    assert order.index("rubric") < order.index("feedback_quality")


def test_the_circle_check_sees_a_circle() -> None:
    graph = {**_domain_graph(), "rubric": {"feedback_quality"}}
    try:
        list(TopologicalSorter(graph).static_order())
    except CycleError:
        return
    raise AssertionError("a rubric -> feedback_quality -> rubric circle went unnoticed")
