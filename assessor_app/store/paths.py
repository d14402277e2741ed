"""Where the client keeps its data: the data root, one directory per profile, and the
small JSON files that remember profiles.

A profile is one hub account (hub URL + user name). Its directory name is a readable slug
plus a hash of the normalised identity, so two accounts never share a directory and the
hub's text never decides a path. Everything created here is private to the user:
directories 0700, files 0600.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import NamedTuple
from urllib.parse import urlsplit

import platformdirs

APP_NAME = "Assessor"
HOME_ENV = "ASSESSOR_HOME"
PROFILES_DIR = "profiles"
PROFILE_FILE = "profile.json"
LAST_PROFILE_FILE = "last-profile.json"
DATABASE_FILE = "store.sqlite3"
BACKUPS_DIR = "backups"

_DEFAULT_PORTS = {"http": 80, "https": 443}
_SLUG_UNSAFE = re.compile(r"[^a-z0-9.-]+")


def ensure_private_dir(path: Path) -> Path:
    """Create ``path`` (and missing parents) and make the leaf 0700 whatever the umask."""
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    path.chmod(0o700)
    return path


def create_private_file(path: Path) -> None:
    """Create an empty 0600 file unless it exists; SQLite gives its -wal and -shm files
    the mode of the database file, so creating it first keeps those private too."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
    os.close(fd)
    path.chmod(0o600)


def write_private_json(path: Path, data: object) -> None:
    """Write JSON atomically (temp file + rename) with mode 0600."""
    tmp = path.with_name(f".{path.name}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(data, handle, indent=2, sort_keys=True)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)


def data_root() -> Path:
    """``ASSESSOR_HOME`` if set, else the platform's user data directory for Assessor."""
    override = os.environ.get(HOME_ENV)
    root = Path(override) if override else platformdirs.user_data_path(APP_NAME, appauthor=False)
    return ensure_private_dir(root.expanduser())


def normalise_hub_url(url: str) -> str:
    """Lower-case scheme and host, no default port, no trailing slash, query or fragment.

    Raises ValueError for anything that is not an http(s) URL with a host.
    """
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS or not parts.hostname:
        raise ValueError(f"not an http(s) hub address: {url!r}")
    host = parts.hostname.lower()
    if ":" in host:
        host = f"[{host}]"
    port = parts.port
    netloc = host if port in (None, _DEFAULT_PORTS[scheme]) else f"{host}:{port}"
    path = parts.path.rstrip("/")
    return f"{scheme}://{netloc}{path}"


def _identity(hub_url: str, username: str) -> tuple[str, str]:
    user = username.strip()
    if not user:
        raise ValueError("a profile needs a user name")
    return normalise_hub_url(hub_url), user


def profile_slug(hub_url: str, username: str) -> str:
    """``<host>-<user>-<hash>``: readable, filesystem-safe, unique per hub account."""
    url, user = _identity(hub_url, username)
    import hashlib  # only here: the window paints before OpenSSL is loaded (app.py)

    digest = hashlib.sha256(f"{url}\n{user}".encode()).hexdigest()[:12]
    host = urlsplit(url).hostname or "hub"
    readable = _SLUG_UNSAFE.sub("-", f"{host}-{user}".lower()).strip(".-")[:40].strip(".-")
    return f"{readable or 'profile'}-{digest}"


class Profile(NamedTuple):
    """One hub account on this computer and the directory holding its data."""

    hub_url: str
    username: str
    directory: Path

    @property
    def database_path(self) -> Path:
        return self.directory / DATABASE_FILE

    @property
    def backups_dir(self) -> Path:
        return self.directory / BACKUPS_DIR


def profile_for(hub_url: str, username: str) -> Profile:
    """The profile of this hub account, its directory created (0700) on first use."""
    url, user = _identity(hub_url, username)
    directory = ensure_private_dir(
        ensure_private_dir(data_root() / PROFILES_DIR) / profile_slug(url, user)
    )
    marker = directory / PROFILE_FILE
    if not marker.exists():
        write_private_json(marker, {"hub_url": url, "username": user})
    return Profile(url, user, directory)


def _read_profile(directory: Path) -> Profile | None:
    try:
        data = json.loads((directory / PROFILE_FILE).read_text(encoding="utf-8"))
        url, user = _identity(str(data["hub_url"]), str(data["username"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if profile_slug(url, user) != directory.name:
        return None  # a copied or hand-edited directory: not the profile it claims to be
    return Profile(url, user, directory)


def list_profiles() -> list[Profile]:
    """Every profile found under the data root, sorted by hub then user name."""
    base = data_root() / PROFILES_DIR
    if not base.is_dir():
        return []
    found = (_read_profile(d) for d in base.iterdir() if d.is_dir())
    return sorted((p for p in found if p), key=lambda p: (p.hub_url, p.username))


def remember_last_profile(profile: Profile) -> None:
    write_private_json(
        data_root() / LAST_PROFILE_FILE,
        {"hub_url": profile.hub_url, "username": profile.username},
    )


def last_profile() -> Profile | None:
    """The profile used last, if it is still there."""
    try:
        data = json.loads((data_root() / LAST_PROFILE_FILE).read_text(encoding="utf-8"))
        slug = profile_slug(str(data["hub_url"]), str(data["username"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return _read_profile(data_root() / PROFILES_DIR / slug)
