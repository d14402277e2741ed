"""A keyring backend for the command line's subprocess tests only: it keeps secrets in
the JSON file named by ``ASSESSOR_TEST_KEYRING`` so a test can read what the ``assessor``
process stored. Plaintext on purpose; never use it outside tests.

Selected with ``PYTHON_KEYRING_BACKEND=json_keyring.JsonFileKeyring`` and this folder on
``PYTHONPATH``.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import keyring.backend
import keyring.errors


class JsonFileKeyring(keyring.backend.KeyringBackend):
    priority = 1  # type: ignore[assignment]

    @property
    def path(self) -> Path:
        return Path(os.environ["ASSESSOR_TEST_KEYRING"])

    def _load(self) -> dict[str, str]:
        if not self.path.exists():
            return {}
        return json.loads(self.path.read_text(encoding="utf-8"))

    def _save(self, data: dict[str, str]) -> None:
        self.path.write_text(json.dumps(data), encoding="utf-8")

    def get_password(self, service: str, username: str) -> str | None:
        return self._load().get(f"{service}/{username}")

    def set_password(self, service: str, username: str, password: str) -> None:
        data = self._load()
        data[f"{service}/{username}"] = password
        self._save(data)

    def delete_password(self, service: str, username: str) -> None:
        data = self._load()
        if data.pop(f"{service}/{username}", None) is None:
            raise keyring.errors.PasswordDeleteError(username)
        self._save(data)
