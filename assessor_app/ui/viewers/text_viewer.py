"""Plain text and Markdown artifacts (reflections, transcripts) in a read-only browser.

Markdown is rendered by Qt's own Markdown support; links are shown but never followed
(evidence is read offline and must not open a browser). Selected text is the Cite target.
"""

from __future__ import annotations

from typing import BinaryIO

from assessor_app.domain import Quote
from assessor_app.ui.qt import QTextBrowser, QTextCursor, QTextDocument, QWidget
from assessor_app.ui.viewers.base import ArtifactViewer, CiteTarget, PositionState, decode_text

_MARKDOWN_TYPES = {"text/markdown", "text/x-markdown"}
_MAX_BYTES = 20 * 1024 * 1024


def is_markdown(media_type: str, filename: str) -> bool:
    media = media_type.split(";")[0].strip().lower()
    return media in _MARKDOWN_TYPES or filename.lower().endswith((".md", ".markdown"))


class TextViewer(ArtifactViewer):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.browser = QTextBrowser(self)
        # Focusing the viewer (after Ctrl+Page Down, say) focuses what takes its keys.
        self.setFocusProxy(self.browser)
        self.browser.setOpenLinks(False)
        self.browser.setOpenExternalLinks(False)
        self.browser.setAccessibleName("Text")
        self.browser.selectionChanged.connect(self.citeTargetChanged)
        self.set_content_widget(self.browser)
        self._ready = False

    def _show(self, stream: BinaryIO) -> None:
        assert self.artifact is not None
        self._ready = False
        data = stream.read(_MAX_BYTES + 1)
        if len(data) > _MAX_BYTES:
            self.show_error(
                f"“{self.artifact.display_name}” is larger than 20 MB and is not shown as text."
            )
            return
        text, replaced = decode_text(data)
        if is_markdown(self.artifact.media_type, self.artifact.filename):
            # Raw HTML in the file is shown as the text it is, never rendered.
            features = QTextDocument.MarkdownFeature
            self.browser.document().setMarkdown(
                text, features.MarkdownDialectGitHub | features.MarkdownNoHTML
            )
        else:
            self.browser.setPlainText(text)
        self.set_content_widget(self.browser)
        if replaced:
            self.browser.setToolTip("Some characters could not be decoded and show as �.")
        self._ready = True
        self._content_ready()

    def _is_ready(self) -> bool:
        return self._ready

    def selected_text(self) -> str:
        # Qt marks paragraph breaks in a selection with U+2029.
        return self.browser.textCursor().selectedText().replace("\u2029", "\n").strip()

    def cite_target(self) -> CiteTarget | None:
        text = self.selected_text()
        return Quote(text) if text else None

    def go_to(self, target: CiteTarget) -> bool:
        if not isinstance(target, Quote) or not self._ready:
            return False
        return self.find_and_select(target.text)

    def find_and_select(self, text: str) -> bool:
        """Select the first occurrence of ``text`` (whitespace-insensitive)."""
        document = self.browser.document()
        words = text.split()
        if not words:
            return False
        cursor = document.find(" ".join(words), 0)
        if cursor.isNull():
            # A quote spanning a line break: find its first word, then extend.
            cursor = document.find(words[0], 0)
            if cursor.isNull():
                return False
            start = cursor.selectionStart()
            cursor.setPosition(start)
            cursor.movePosition(
                QTextCursor.MoveOperation.NextCharacter,
                QTextCursor.MoveMode.KeepAnchor,
                len(" ".join(words)),
            )
        self.browser.setTextCursor(cursor)
        self.browser.ensureCursorVisible()
        return True

    def position_state(self) -> PositionState:
        return {"scroll": self.browser.verticalScrollBar().value()}

    def _apply_position_state(self, state: PositionState) -> None:
        self.browser.verticalScrollBar().setValue(int(state.get("scroll", 0)))
