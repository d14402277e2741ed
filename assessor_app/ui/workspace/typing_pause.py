"""Typing pauses the video: an event filter on the editors where the assessor writes
(every rationale, the feedback, the note editors). A key that types text pauses whatever
video is playing, when the profile's setting asks for it (on by default); Esc gives the
focus back to the evidence, so J/K/L and Space work again at once."""

from __future__ import annotations

from collections.abc import Callable

from assessor_app.ui.qt import QEvent, QKeyEvent, QObject, Qt, QWidget

_COMMAND_KEYS = (
    Qt.KeyboardModifier.ControlModifier
    | Qt.KeyboardModifier.AltModifier
    | Qt.KeyboardModifier.MetaModifier
)


class TypingPause(QObject):
    def __init__(
        self,
        *,
        enabled: bool,
        pause: Callable[[], None],
        back_to_evidence: Callable[[], None],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.enabled = enabled
        self._pause = pause
        self._back = back_to_evidence

    def watch(self, editor: QWidget, *, escape: bool = True) -> None:
        """Filter ``editor``'s keys; ``escape`` False leaves Esc to the editor itself."""
        editor.installEventFilter(self)
        editor.setProperty("typingPauseEscape", escape)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() != QEvent.Type.KeyPress or not isinstance(event, QKeyEvent):
            return False
        if event.key() == Qt.Key.Key_Escape and watched.property("typingPauseEscape"):
            self._back()
            return True
        typed = event.text()
        if self.enabled and typed and typed.isprintable() and not event.modifiers() & _COMMAND_KEYS:
            self._pause()
        return False
