"""The settings service: the dialog's values, the comment bank and the "addressed" marks
read and written through named methods on a real SQLite profile store, kept per
credential and per assignment, and still there after the store is opened again."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from assessor_app.services.settings import ProfileSettings, SettingsService
from assessor_app.store import open_store


def test_defaults_then_saved_values_survive_reopening(tmp_path: Path) -> None:
    path = tmp_path / "profile.sqlite3"
    with open_store(path) as store:
        service = SettingsService(store)
        shown = service.read()
        assert shown == ProfileSettings(
            parallel_downloads=4,
            stall_floor_kb=2.0,
            stall_window_seconds=30.0,
            retention_days=14,
            video_rate=1.0,
            video_volume=100,
            secret_store="keyring",
            cite_window_seconds=10,
        )
        assert service.cite_window_ms() == 10_000
        service.save(
            replace(
                shown,
                parallel_downloads=8,
                video_rate=1.5,
                retention_days=3,
                cite_window_seconds=25,
            )
        )
    with open_store(path) as store:
        again = SettingsService(store).read()
        # The other video defaults (skip length, muted) are kept, not overwritten.
        assert store.settings.video_defaults()["skip_ms"] == 5000
    assert (again.parallel_downloads, again.video_rate, again.retention_days) == (8, 1.5, 3)
    assert again.cite_window_seconds == 25


def test_a_value_out_of_range_is_refused_and_nothing_changes(tmp_path: Path) -> None:
    with open_store(tmp_path / "profile.sqlite3") as store:
        service = SettingsService(store)
        with pytest.raises(ValueError, match="between 1 and 16"):
            service.save(replace(service.read(), parallel_downloads=40))
        assert service.read().parallel_downloads == 4
        with pytest.raises(ValueError, match="between 1 and 120 seconds"):
            service.save(replace(service.read(), cite_window_seconds=0))
        # A value written by hand out of range reads as the default, never an empty window.
        store.settings.set("cite_window_seconds", -5)
        assert service.read().cite_window_seconds == 10


def test_comment_bank_per_credential_and_marks_per_assignment(tmp_path: Path) -> None:
    path = tmp_path / "profile.sqlite3"
    with open_store(path) as store:
        service = SettingsService(store)
        assert service.comment_bank("cred-a") == []
        assert service.addressed_marks("asg-1") == {}
        service.set_comment_bank("cred-a", ["Quote the plan.", "Name the wait time."])
        service.set_addressed_marks("asg-1", {"c1": True, "c2": False})
    with open_store(path) as store:
        service = SettingsService(store)
        assert service.comment_bank("cred-a") == ["Quote the plan.", "Name the wait time."]
        assert service.comment_bank("cred-b") == []
        assert service.addressed_marks("asg-1") == {"c1": True, "c2": False}
        assert service.addressed_marks("asg-2") == {}
