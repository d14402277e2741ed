"""``assessor-hub``'s entry point: first checks that the hub's own packages are installed.

The server's packages (FastAPI, uvicorn, psycopg, numpy, …) are the ``hub`` extra of
``pyproject.toml``, so that the desktop app and the ``assessor`` command line install
without them. On an install without the extra, ``assessor-hub`` says what to install
instead of ending in an ImportError; the list of what is needed is read from the installed
package's metadata, so the extra in ``pyproject.toml`` stays its one home.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Sequence
from importlib import metadata

DISTRIBUTION = "assessor-app"
EXTRA = "hub"
INSTALL_HINT = f'pip install "{DISTRIBUTION}[{EXTRA}]"  (in a checkout: pip install ".[{EXTRA}]")'

_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
_IN_EXTRA = re.compile(rf"""extra\s*==\s*["']{EXTRA}["']""")


def missing_hub_packages() -> list[str]:
    """The distributions of the ``hub`` extra that are not installed (none known when the
    app runs from a source tree without metadata: then the imports decide)."""
    try:
        requirements = metadata.requires(DISTRIBUTION) or []
    except metadata.PackageNotFoundError:
        return []
    missing: list[str] = []
    for requirement in requirements:
        name = _NAME.match(requirement)
        if name is None or not _IN_EXTRA.search(requirement):
            continue
        try:
            metadata.version(name.group(0))
        except metadata.PackageNotFoundError:
            missing.append(name.group(0))
    return missing


def main(argv: Sequence[str] | None = None) -> int:
    missing = missing_hub_packages()
    if missing:
        print(
            f"assessor-hub: the hub's packages are not installed ({', '.join(missing)}).\n"
            f"Install them with: {INSTALL_HINT}\n"
            "The desktop app (assessor-app) and the assessor command line do not need them.",
            file=sys.stderr,
        )
        return 1
    from assessor_app.hub.cli import main as hub_main

    return hub_main(argv)


if __name__ == "__main__":
    sys.exit(main())
