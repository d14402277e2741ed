"""Data root, profile directories, private modes, and the remembered profile."""

from __future__ import annotations

import json
import re
import stat
from pathlib import Path

import pytest

from assessor_app.store import paths
from assessor_app.store.paths import (
    data_root,
    last_profile,
    list_profiles,
    normalise_hub_url,
    profile_for,
    profile_slug,
    remember_last_profile,
)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_data_root_is_assessor_home_and_private(assessor_home: Path) -> None:
    assert data_root() == assessor_home
    assert mode(assessor_home) == 0o700


def test_data_root_falls_back_to_platform_data_dir(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("ASSESSOR_HOME")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert data_root() == tmp_path / "xdg" / "Assessor"
    assert mode(tmp_path / "xdg" / "Assessor") == 0o700


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("https://Hub.Example.ORG/", "https://hub.example.org"),
        ("https://hub.example.org:443/api/", "https://hub.example.org/api"),
        ("http://127.0.0.1:8765", "http://127.0.0.1:8765"),
        ("HTTP://hub.example.org:80?x=1#frag", "http://hub.example.org"),
        ("https://[::1]:9000/", "https://[::1]:9000"),
    ],
)
def test_normalise_hub_url(given: str, expected: str) -> None:
    assert normalise_hub_url(given) == expected


@pytest.mark.parametrize("bad", ["", "hub.example.org", "ftp://hub", "file:///etc/passwd"])
def test_normalise_refuses_non_http(bad: str) -> None:
    with pytest.raises(ValueError):
        normalise_hub_url(bad)


def test_equivalent_addresses_share_a_profile_and_accounts_do_not(assessor_home: Path) -> None:
    a = profile_for("https://hub.example.org/", "alice")
    assert profile_for("HTTPS://HUB.example.org:443", " alice ") == a
    others = {
        profile_for("https://hub.example.org", "bob").directory,
        profile_for("https://hub.example.org", "Alice").directory,
        profile_for("https://other.example.org", "alice").directory,
        profile_for("http://hub.example.org", "alice").directory,
    }
    assert a.directory not in others and len(others) == 4
    assert a.directory.parent == assessor_home / "profiles"
    assert a.directory.name.startswith("hub.example.org-alice-")


@pytest.mark.parametrize(
    "username", ["../../etc/passwd", "a/b\\c", "..", "名前 ü", "x" * 300, "\x00nul", "-.-"]
)
def test_hostile_user_names_give_safe_directory_names(assessor_home: Path, username: str) -> None:
    slug = profile_slug("https://hub.example.org", username)
    assert re.fullmatch(r"[a-z0-9][a-z0-9.-]{0,60}-[0-9a-f]{12}", slug), slug
    profile = profile_for("https://hub.example.org", username)
    assert profile.directory.parent == assessor_home / "profiles"
    assert profile.directory.resolve().is_relative_to(assessor_home.resolve())


def test_profile_directory_and_marker_are_private(assessor_home: Path) -> None:
    profile = profile_for("https://hub.example.org", "alice")
    assert mode(assessor_home / "profiles") == 0o700
    assert mode(profile.directory) == 0o700
    marker = profile.directory / paths.PROFILE_FILE
    assert mode(marker) == 0o600
    assert json.loads(marker.read_text()) == {
        "hub_url": "https://hub.example.org",
        "username": "alice",
    }


def test_list_profiles_skips_foreign_directories(assessor_home: Path) -> None:
    b = profile_for("https://hub.example.org", "bob")
    a = profile_for("https://hub.example.org", "alice")
    (assessor_home / "profiles" / "stray").mkdir()
    copied = assessor_home / "profiles" / "copied-000000000000"
    copied.mkdir()
    (copied / paths.PROFILE_FILE).write_text(json.dumps({"hub_url": a.hub_url, "username": "x"}))
    assert list_profiles() == [a, b]


def test_last_profile_round_trip(assessor_home: Path) -> None:
    assert last_profile() is None
    profile = profile_for("https://hub.example.org", "alice")
    remember_last_profile(profile)
    assert mode(assessor_home / paths.LAST_PROFILE_FILE) == 0o600
    assert last_profile() == profile
    (assessor_home / paths.LAST_PROFILE_FILE).write_text("not json")
    assert last_profile() is None
