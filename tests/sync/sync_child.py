"""Runs one sync in a separate process, for tests that kill it (SIGKILL) or limit it.

    python sync_child.py CONFIG.json

CONFIG names the profile database, the vault folder and its key (hex), the hub URL and
token, and what to run. The process prints ``ready`` once everything is imported and
open, then runs the engine and prints its report as one JSON line. With
``file_size_limit`` it first caps the size of any file it writes (RLIMIT_FSIZE, with
SIGXFSZ ignored so writes fail with EFBIG instead of killing it): a disk that fills up.
"""

from __future__ import annotations

import dataclasses
import json
import resource
import signal
import sys
from pathlib import Path


def main(config_path: str) -> int:
    config = json.loads(Path(config_path).read_text())
    from assessor_app.store import open_store
    from assessor_app.store.vault import Vault
    from assessor_app.sync.client import HubClient, Timeouts
    from assessor_app.sync.engine import SyncEngine

    store = open_store(Path(config["db"]))
    vault = Vault(Path(config["vault"]), bytes.fromhex(config["key"]))

    def client() -> HubClient:
        return HubClient(
            config["url"],
            config["token"],
            backoff_base=0.01,
            backoff_max=0.05,
            timeout=Timeouts(connect=5, read=10, write=10, pool=5),
        )

    engine = SyncEngine(
        store,
        vault,
        client(),
        client_factory=client,
        parallel_downloads=config.get("parallel", 4),
        disk_margin=0,
    )
    limit = config.get("file_size_limit")
    if limit:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    print("ready", flush=True)
    report = engine.run(down=config.get("down", True), up=config.get("up", True))
    print(json.dumps(dataclasses.asdict(report), default=str), flush=True)
    store.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
