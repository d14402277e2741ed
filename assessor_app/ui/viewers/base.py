"""``ArtifactViewer``: what every evidence viewer offers the workspace.

A viewer shows one artifact read from a seekable binary file object (the vault's
decrypting reader: plaintext never touches the disk), tells the Cite action what is
current (``cite_target``), goes where a citation chip points (``go_to``), and saves and
restores where the assessor was (``position_state``), so reopening lands on the same page.
A file that cannot be shown gets a clear message in the viewer, never an exception.
"""

from __future__ import annotations

from typing import Any, BinaryIO

from assessor_app.domain import Artifact, Citation
from assessor_app.domain.citations import CiteTarget
from assessor_app.ui.plain_text import set_plain
from assessor_app.ui.qt import QLabel, QStackedWidget, Qt, QVBoxLayout, QWidget, Signal

__all__ = ["ArtifactViewer", "CiteTarget", "PositionState", "decode_text"]

# Position state is JSON-friendly so the services layer can store it as it is.
PositionState = dict[str, Any]


class ArtifactViewer(QWidget):
    """Base class. Subclasses implement ``_show`` and the four citation/position methods;
    ``loaded`` or ``failed(message)`` is emitted once per ``load``."""

    loaded = Signal()
    failed = Signal(str)
    citeTargetChanged = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.artifact: Artifact | None = None
        self._stack = QStackedWidget(self)
        self._message = QLabel(self)
        self._message.setWordWrap(True)
        self._message.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self._message.setAccessibleName("Viewer message")
        self._message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self._stack.addWidget(self._message)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self._stack)
        self._pending_state: PositionState | None = None

    def set_content_widget(self, widget: QWidget) -> None:
        self._stack.addWidget(widget)
        self._stack.setCurrentWidget(widget)

    def load(self, stream: BinaryIO, artifact: Artifact) -> None:
        """Show ``artifact`` read from ``stream`` (seekable; the viewer does not close it)."""
        self.artifact = artifact
        self.setAccessibleName(f"{artifact.display_name} viewer")
        try:
            stream.seek(0)
            self._show(stream)
        except (OSError, ValueError) as exc:
            self.show_error(f"“{artifact.display_name}” could not be read: {exc}")

    def show_error(self, message: str) -> None:
        """Replace the content with a message; the rest of the workspace keeps working."""
        set_plain(self._message, message)
        self._stack.setCurrentWidget(self._message)
        self.failed.emit(message)

    def message(self) -> str:
        return self._message.text() if self._stack.currentWidget() is self._message else ""

    def citation(self) -> Citation | None:
        """The current target as a citation of this artifact, for the Cite action."""
        target = self.cite_target()
        if target is None or self.artifact is None:
            return None
        return Citation(self.artifact.id, target)

    def restore_position_state(self, state: PositionState) -> None:
        """Go back to a saved position; applied once content is ready if still loading."""
        if self._is_ready():
            self._apply_position_state(state)
        else:
            self._pending_state = dict(state)

    def _content_ready(self) -> None:
        if self._pending_state is not None:
            state, self._pending_state = self._pending_state, None
            self._apply_position_state(state)
        self.loaded.emit()

    # -- for subclasses -----------------------------------------------------------------

    def _show(self, stream: BinaryIO) -> None:
        raise NotImplementedError

    def _is_ready(self) -> bool:
        raise NotImplementedError

    def _apply_position_state(self, state: PositionState) -> None:
        raise NotImplementedError

    def cite_target(self) -> CiteTarget | None:
        raise NotImplementedError

    def go_to(self, target: CiteTarget) -> bool:
        """Show the cited place; False when this viewer cannot (wrong kind, not found)."""
        raise NotImplementedError

    def position_state(self) -> PositionState:
        raise NotImplementedError


def decode_text(data: bytes) -> tuple[str, bool]:
    """UTF-8 (with or without BOM), else Windows-1252; True when bytes had to be replaced."""
    try:
        return data.decode("utf-8-sig"), False
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), False
    except UnicodeDecodeError:
        return data.decode("utf-8", errors="replace"), True
