"""Building the video viewer for one artifact of the open assignment and connecting it
to the workspace: notes and citations as timeline markers, notes and watched stretches
saved as they happen, the position remembered, and "Export a copy…" with a warning."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from assessor_app.domain import Artifact, Citation, TimeRange
from assessor_app.domain.notes import TimeNote
from assessor_app.ui.plain_text import message_box
from assessor_app.ui.qt import QFileDialog, QMessageBox, QWidget
from assessor_app.ui.viewers.timeline import Marker
from assessor_app.ui.viewers.video_viewer import VideoViewer


def markers_for(
    notes: Sequence[TimeNote], citations: Sequence[Citation]
) -> tuple[list[Marker], list[Marker]]:
    """Timeline markers of one video: a note shows its text; the timeline adds the time."""
    note_markers = [Marker(n.time_ms, "note", n.text) for n in notes]
    citation_markers = [
        Marker(c.target.start_ms, "citation", "", c.target.end_ms)
        for c in citations
        if isinstance(c.target, TimeRange)
    ]
    return note_markers, citation_markers


def make_media_viewer(
    artifact: Artifact,
    parent: QWidget,
    *,
    criteria: Sequence[tuple[str, str]],
    notes: Sequence[TimeNote],
    citations: Sequence[Citation],
    position_ms: int,
    cite_window_ms: int,
    export_copy: Callable[[Path], None],
    on_note: Callable[[int, str, str | None], None],
    on_played: Callable[[int, int], None],
    on_position: Callable[[int], None],
    on_duration: Callable[[int], None],
) -> VideoViewer:
    """A video viewer ready for ``load``; it restores ``position_ms`` once playable."""
    viewer = VideoViewer(parent, criteria=criteria)
    viewer.cite_window_ms = cite_window_ms
    note_markers, citation_markers = markers_for(notes, citations)
    viewer.set_markers(note_markers, citation_markers)

    def note_created(time_ms: int, text: str, criterion: object) -> None:
        # The viewer marks the new note itself; the workspace redraws all markers once
        # the note is stored.
        on_note(time_ms, text, criterion if isinstance(criterion, str) else None)

    viewer.noteCreated.connect(note_created)
    viewer.playedRange.connect(on_played)
    viewer.positionChanged.connect(on_position)
    viewer.player.durationChanged.connect(on_duration)
    # Coverage of a file that ends early is measured against what exists: the missing
    # part cannot be watched, so it must not keep finalize waiting.
    viewer.player.endedEarly.connect(lambda present, _duration: on_duration(present))
    viewer.exportRequested.connect(lambda: _export(viewer, artifact, export_copy))
    if position_ms > 0:
        viewer.restore_position_state({"position_ms": position_ms})
    return viewer


def _export(parent: QWidget, artifact: Artifact, export_copy: Callable[[Path], None]) -> None:
    warning = QMessageBox.warning(
        parent,
        "Export a decrypted copy?",
        "This video shows students. The copy you save is NOT encrypted: keep it on this "
        "computer only, and delete it when you are done.",
        QMessageBox.StandardButton.Ok | QMessageBox.StandardButton.Cancel,
    )
    if warning != QMessageBox.StandardButton.Ok:
        return
    target, _ = QFileDialog.getSaveFileName(parent, "Export a copy", Path(artifact.filename).name)
    if target:
        try:
            export_copy(Path(target))
        except OSError as exc:
            message_box(
                parent,
                QMessageBox.Icon.Warning,
                "Not exported",
                f"The copy could not be written: {exc}",
            )
