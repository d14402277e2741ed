"""Hostile manifests from a real hub, rewritten on the way by the fault proxy: repeated,
malformed or foreign artifact ids, impossible sizes and wrong checksums refuse only their
submission, are not kept, and are fetched afresh once the hub is corrected; artifacts that
share their bytes are each downloadable when one id cannot be served."""

from __future__ import annotations

import copy
import os
from collections.abc import Callable, Iterator

import pytest
from support.fault_proxy import FaultProxy
from support.hub import RunningHub
from sync_kit import (
    ClientProfile,
    EngineMaker,
    assert_downloads_consistent,
    assert_ready_with_evidence,
    assert_vault_verified,
)

from assessor_app.domain.assignment_state import LocalState
from assessor_app.hub.db import ArtifactRow
from assessor_app.store import DownloadState

pytest_plugins = ["sync_fixtures"]

Manifest = dict[str, object]


@pytest.fixture
def proxy(shared_hub: RunningHub) -> Iterator[FaultProxy]:
    with FaultProxy(shared_hub.base_url) as p:
        yield p


def _artifacts(manifest: object) -> list[dict[str, object]]:
    assert isinstance(manifest, dict)
    artifacts = manifest["artifacts"]
    assert isinstance(artifacts, list)
    return artifacts


def _duplicate_first(manifest: object) -> object:
    artifacts = _artifacts(manifest)
    artifacts.append(copy.deepcopy(artifacts[0]))
    return manifest


def _set(field: str, value: object) -> Callable[[object], object]:
    def rewrite(manifest: object) -> object:
        _artifacts(manifest)[0][field] = value
        return manifest

    return rewrite


def _check_consistent(profile: ClientProfile) -> None:
    assert_vault_verified(profile.vault)
    assert_downloads_consistent(profile)


@pytest.mark.parametrize(
    ("rewrite", "reason"),
    [
        (_duplicate_first, "1 file id is listed twice"),
        (_set("id", "../../etc\n"), "1 file has an invalid id"),
        (_set("size", 10**15), "is listed with an impossible size"),
        (_set("size", -1), "does not follow the hub protocol"),
    ],
    ids=["duplicate-ids", "bad-id", "impossible-size", "negative-size"],
)
def test_an_unusable_manifest_refuses_its_submission_only_and_is_fetched_again(
    shared_hub: RunningHub,
    assessor: str,
    profile: ClientProfile,
    make_engine: EngineMaker,
    proxy: FaultProxy,
    rewrite: Callable[[object], object],
    reason: str,
) -> None:
    bad = shared_hub.seed_submission(assessor, {"a.txt": b"first", "b.txt": b"second"})
    good = shared_hub.seed_submission(assessor, {"c.txt": b"third"})
    proxy.rewrite_json(rewrite, method="GET", path=f"/submissions/{bad.id}")

    first = make_engine(base_url=proxy.url).run()

    assert not first.cancelled and not first.disk_full
    assert first.manifests_refused == 1 and first.manifests_fetched == 1
    assert len(first.problems) == 1
    problem = first.problems[0]
    assert "was not downloaded" in problem and reason in problem
    assert "fetched again on the next sync" in problem
    assert_ready_with_evidence(profile, good.assignment_id)
    # Nothing of the refused manifest is kept.
    assert profile.store.submissions.load(bad.id) is None
    assert profile.store.assignments.local_state(bad.assignment_id) == LocalState.NOT_DOWNLOADED
    _check_consistent(profile)

    proxy.clear()
    second = make_engine(base_url=proxy.url).run()

    assert second.ok, second.problems
    assert second.manifests_fetched == 1
    assert_ready_with_evidence(profile, bad.assignment_id)
    _check_consistent(profile)


def test_an_id_of_another_submission_is_refused_without_touching_that_submission(
    shared_hub: RunningHub,
    assessor: str,
    profile: ClientProfile,
    make_engine: EngineMaker,
    proxy: FaultProxy,
) -> None:
    first_sub = shared_hub.seed_submission(assessor, {"a.txt": b"kept"})
    assert make_engine().run().ok
    second_sub = shared_hub.seed_submission(assessor, {"b.txt": b"intruder"})
    proxy.rewrite_json(
        _set("id", first_sub.artifacts[0].id), method="GET", path=f"/submissions/{second_sub.id}"
    )

    report = make_engine(base_url=proxy.url).run()

    assert report.manifests_refused == 1
    assert "1 file id belongs to another submission" in report.problems[0]
    assert profile.store.submissions.load(second_sub.id) is None
    assert_ready_with_evidence(profile, first_sub.assignment_id)
    [row] = profile.store.submissions.downloads(first_sub.id)
    assert row.artifact.filename == "a.txt" and row.state == DownloadState.VERIFIED


def test_a_manifest_whose_download_failed_is_fetched_afresh_from_a_corrected_hub(
    shared_hub: RunningHub,
    assessor: str,
    profile: ClientProfile,
    make_engine: EngineMaker,
    proxy: FaultProxy,
) -> None:
    seeded = shared_hub.seed_submission(assessor, {"clip.bin": os.urandom(300_000)})
    art = seeded.artifacts[0]
    wrong = "0" * 64
    proxy.rewrite_json(_set("sha256", wrong), method="GET", path=f"/submissions/{seeded.id}")

    first = make_engine(base_url=proxy.url).run()

    assert first.artifacts_failed == 1
    assert "did not match its checksum" in first.problems[0]
    [row] = profile.store.submissions.downloads(seeded.id)
    assert row.state == DownloadState.FAILED and row.artifact.sha256 == wrong
    assert not profile.vault.has(wrong) and not profile.vault.has(art.sha256)

    proxy.clear()
    second = make_engine(base_url=proxy.url).run()

    assert second.ok, second.problems
    assert len(proxy.requests("GET", f"/submissions/{seeded.id}")) == 2
    [row] = profile.store.submissions.downloads(seeded.id)
    assert row.artifact.sha256 == art.sha256 and row.state == DownloadState.VERIFIED
    assert_ready_with_evidence(profile, seeded.assignment_id)
    _check_consistent(profile)

    third = make_engine(base_url=proxy.url).run()
    assert third.ok and third.manifests_fetched == 0  # a good manifest is not fetched again


@pytest.mark.parametrize("status", [404, 500])
def test_artifacts_sharing_their_bytes_are_served_by_another_id_when_one_fails(
    shared_hub: RunningHub,
    assessor: str,
    profile: ClientProfile,
    make_engine: EngineMaker,
    proxy: FaultProxy,
    status: int,
) -> None:
    same = os.urandom(200_000)
    seeded = shared_hub.seed_submission(assessor, {"take1.bin": same, "copy.bin": same})
    first, second = seeded.artifacts
    assert first.sha256 == second.sha256
    proxy.fail(status, method="GET", path=f"/artifacts/{first.id}/content", times=None)

    report = make_engine(base_url=proxy.url).run()

    assert report.ok, report.problems
    assert report.artifacts_downloaded == 1
    assert proxy.requests("GET", f"/artifacts/{first.id}/content")
    assert len(proxy.requests("GET", f"/artifacts/{second.id}/content")) == 1
    assert_ready_with_evidence(profile, seeded.assignment_id)
    states = {r.artifact.id: r.state for r in profile.store.submissions.downloads(seeded.id)}
    assert states == {first.id: DownloadState.VERIFIED, second.id: DownloadState.VERIFIED}
    _check_consistent(profile)


def test_an_artifact_whose_stored_media_type_is_unusable_still_downloads(
    shared_hub: RunningHub, assessor: str, profile: ClientProfile, make_engine: EngineMaker
) -> None:
    """A CR/LF media type that an older hub let in made the hub drop the connection, and the
    other artifact with the same bytes was never downloaded either; now both arrive."""
    same = os.urandom(50_000)
    seeded = shared_hub.seed_submission(assessor, {"clip.bin": same, "again.bin": same})
    first, second = seeded.artifacts
    with shared_hub.admin.db.write() as session:
        row = session.get(ArtifactRow, first.id)
        assert row is not None
        row.media_type = "video/mp4\r\nX-Injected: 1"

    report = make_engine().run()

    assert report.ok, report.problems
    assert_ready_with_evidence(profile, seeded.assignment_id)
    states = {r.artifact.id: r.state for r in profile.store.submissions.downloads(seeded.id)}
    assert states == {first.id: DownloadState.VERIFIED, second.id: DownloadState.VERIFIED}
    _check_consistent(profile)
