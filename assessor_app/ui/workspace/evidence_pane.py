"""The evidence side of the workspace: one tab per artifact and its viewer.

Viewers are made when their tab is first shown and read straight from the encrypted
vault (never from a plaintext copy). An artifact that is not in the vault yet, or a kind
no viewer shows, gets a message instead, and the rest of the workspace keeps working.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import BinaryIO

from assessor_app.domain import Artifact, ArtifactKind, Citation
from assessor_app.ui.plain_text import button_text, plain_label, tooltip
from assessor_app.ui.qt import (
    QLabel,
    QStackedWidget,
    Qt,
    QTabBar,
    QVBoxLayout,
    QWidget,
    Signal,
)
from assessor_app.ui.viewers.base import ArtifactViewer
from assessor_app.ui.viewers.csv_viewer import CsvViewer
from assessor_app.ui.viewers.image_viewer import ImageViewer
from assessor_app.ui.viewers.pdf_viewer import PdfViewer
from assessor_app.ui.viewers.text_viewer import TextViewer

log = logging.getLogger(__name__)

TAB_TEXT_WIDTH = 220
"""Pixels of text an artifact's tab shows at most; the tooltip has the whole name."""

OpenEvidence = Callable[[Artifact], BinaryIO]
ViewerMaker = Callable[[Artifact, QWidget], ArtifactViewer]

_STATIC_VIEWERS: dict[ArtifactKind, type[ArtifactViewer]] = {
    ArtifactKind.PDF: PdfViewer,
    ArtifactKind.IMAGE: ImageViewer,
    ArtifactKind.TEXT: TextViewer,
    ArtifactKind.SPREADSHEET: CsvViewer,
}


class EvidencePane(QWidget):
    """``artifactShown(artifact_id)`` fires when a tab is first or again shown."""

    artifactShown = Signal(str)

    def __init__(
        self,
        artifacts: tuple[Artifact, ...],
        open_evidence: OpenEvidence,
        make_media_viewer: ViewerMaker,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.artifacts = artifacts
        self._open = open_evidence
        self._make_media_viewer = make_media_viewer
        self._viewers: dict[str, QWidget] = {}
        self._streams: list[BinaryIO] = []
        self.tabs = QTabBar(self)
        self.tabs.setAccessibleName("Artifacts")
        self.tabs.setExpanding(False)
        self.tabs.setDocumentMode(True)
        # Each name is shortened here, once, in the middle (the start and the end say
        # most: "Lesson plan … week 3"); Qt's own eliding would cut every tab down to a
        # few letters as soon as they do not all fit. The scroll arrows take the rest.
        self.tabs.setElideMode(Qt.TextElideMode.ElideNone)
        self.tabs.setUsesScrollButtons(True)
        metrics = self.tabs.fontMetrics()
        for artifact in artifacts:
            name = button_text(artifact.display_name)
            index = self.tabs.addTab(
                metrics.elidedText(name, Qt.TextElideMode.ElideMiddle, TAB_TEXT_WIDTH)
            )
            self.tabs.setTabToolTip(
                index,
                tooltip(f"{artifact.display_name}\n{artifact.filename} ({artifact.media_type})"),
            )
        self.stack = QStackedWidget(self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.tabs)
        layout.addWidget(self.stack, 1)
        self.tabs.currentChanged.connect(self._show_index)

    def show_artifact(self, artifact_id: str | None) -> None:
        index = next((i for i, a in enumerate(self.artifacts) if a.id == artifact_id), 0)
        if self.artifacts:
            if self.tabs.currentIndex() == index:
                self._show_index(index)
            else:
                self.tabs.setCurrentIndex(index)

    def next_artifact(self, step: int) -> None:
        if self.artifacts:
            self.tabs.setCurrentIndex((self.tabs.currentIndex() + step) % len(self.artifacts))

    def current_artifact(self) -> Artifact | None:
        index = self.tabs.currentIndex()
        return self.artifacts[index] if 0 <= index < len(self.artifacts) else None

    def current_viewer(self) -> QWidget | None:
        artifact = self.current_artifact()
        return self._viewers.get(artifact.id) if artifact else None

    def viewer(self, artifact_id: str) -> QWidget | None:
        return self._viewers.get(artifact_id)

    def current_citation(self) -> Citation | None:
        viewer = self.current_viewer()
        citation = getattr(viewer, "citation", None)
        return citation() if callable(citation) else None

    def go_to(self, citation: Citation) -> bool:
        """Show the cited artifact and place; False when the artifact is not here."""
        if not any(a.id == citation.artifact_id for a in self.artifacts):
            return False
        self.show_artifact(citation.artifact_id)
        viewer = self._viewers.get(citation.artifact_id)
        go_to = getattr(viewer, "go_to", None)
        return bool(go_to(citation.target)) if callable(go_to) else False

    def close_all(self) -> None:
        for viewer in self._viewers.values():
            close_media = getattr(viewer, "close_media", None)
            if callable(close_media):
                close_media()
        for stream in self._streams:
            stream.close()
        self._streams.clear()

    def _show_index(self, index: int) -> None:
        if not 0 <= index < len(self.artifacts):
            return
        artifact = self.artifacts[index]
        viewer = self._viewers.get(artifact.id)
        if viewer is None:
            viewer = self._make_viewer(artifact)
            self._viewers[artifact.id] = viewer
            self.stack.addWidget(viewer)
        self.stack.setCurrentWidget(viewer)
        self.artifactShown.emit(artifact.id)

    def _make_viewer(self, artifact: Artifact) -> QWidget:
        media = artifact.kind in (ArtifactKind.VIDEO, ArtifactKind.AUDIO)
        viewer_class = _STATIC_VIEWERS.get(artifact.kind)
        if viewer_class is None and not media:
            return _message(
                f"“{artifact.display_name}” ({artifact.media_type}) cannot be shown here. "
                "Use Export a copy… from the Evidence menu to open it in another program.",
                self.stack,
            )
        try:
            stream = self._open(artifact)
        except (OSError, LookupError) as exc:
            log.info("artifact %s is not available: %s", artifact.id, type(exc).__name__)
            return _message(
                f"“{artifact.display_name}” is not on this computer yet. Sync when you are "
                "online to download it.",
                self.stack,
            )
        self._streams.append(stream)
        viewer = (
            self._make_media_viewer(artifact, self.stack)
            if media or viewer_class is None
            else viewer_class(self.stack)
        )
        viewer.load(stream, artifact)
        return viewer


def _message(text: str, parent: QWidget) -> QLabel:
    label = plain_label(text, parent)
    label.setWordWrap(True)
    label.setAlignment(Qt.AlignmentFlag.AlignCenter)
    label.setAccessibleName("Viewer message")
    return label
