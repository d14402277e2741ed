"""Runs every benchmark module, writes ``benchmarks/results.json`` and prints a table.

A benchmark module is ``benchmarks/bench_*.py`` exposing ``run() -> list[Result]``.
Pass module names (``python -m benchmarks hub sync``) to run only some. ``--users``,
``--seconds`` and ``--spawn-rate`` go to the modules whose ``run`` takes them (the load benchmark).
"""

from __future__ import annotations

import argparse
import importlib
import inspect
import json
import pkgutil
import sys
from pathlib import Path

from benchmarks.result import Result, format_table

RESULTS = Path(__file__).with_name("results.json")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m benchmarks")
    parser.add_argument("modules", nargs="*", help="benchmarks to run (default: all)")
    parser.add_argument("--users", type=int, help="simulated assessors (load benchmark)")
    parser.add_argument(
        "--seconds", type=float, help="seconds measured after the ramp (load benchmark)"
    )
    parser.add_argument(
        "--spawn-rate", type=float, help="assessors starting per second (load benchmark)"
    )
    return parser


def main(argv: list[str]) -> int:
    args = _parser().parse_args(argv)
    options = {
        name: value
        for name, value in (
            ("users", args.users),
            ("seconds", args.seconds),
            ("spawn_rate", args.spawn_rate),
        )
        if value is not None
    }
    names = sorted(
        m.name
        for m in pkgutil.iter_modules([str(Path(__file__).parent)])
        if m.name.startswith("bench_")
    )
    wanted = {f"bench_{a.removeprefix('bench_')}" for a in args.modules}
    results: list[Result] = []
    for name in names:
        if wanted and name not in wanted:
            continue
        print(f"running {name} ...", flush=True)
        module = importlib.import_module(f"benchmarks.{name}")
        accepted = inspect.signature(module.run).parameters
        results.extend(module.run(**{k: v for k, v in options.items() if k in accepted}))
    RESULTS.write_text(json.dumps([r.as_dict() for r in results], indent=2) + "\n")
    print(format_table(results))
    print(f"\nwritten to {RESULTS}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
