"""Runs every benchmark module, writes ``benchmarks/results.json`` and prints a table.

A benchmark module is ``benchmarks/bench_*.py`` exposing ``run() -> list[Result]``.
Pass module names (``python -m benchmarks hub sync``) to run only some.
"""

from __future__ import annotations

import importlib
import json
import pkgutil
import sys
from pathlib import Path

from benchmarks.result import Result, format_table

RESULTS = Path(__file__).with_name("results.json")


def main(argv: list[str]) -> int:
    names = sorted(
        m.name
        for m in pkgutil.iter_modules([str(Path(__file__).parent)])
        if m.name.startswith("bench_")
    )
    wanted = {f"bench_{a.removeprefix('bench_')}" for a in argv}
    results: list[Result] = []
    for name in names:
        if wanted and name not in wanted:
            continue
        print(f"running {name} ...", flush=True)
        module = importlib.import_module(f"benchmarks.{name}")
        results.extend(module.run())
    RESULTS.write_text(json.dumps([r.as_dict() for r in results], indent=2) + "\n")
    print(format_table(results))
    print(f"\nwritten to {RESULTS}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
