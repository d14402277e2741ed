"""PDF artifacts (lesson plans, student work) with QtPdf: pages, zoom, text selection.

The PDF is loaded from memory through a ``QBuffer``: plaintext never goes to disk.
``QPdfView`` in Qt 6.11 has no text selection, so this viewer draws pages itself: a
``QPdfPageRenderer`` renders the current page on Qt's worker threads, and a drag over
the page selects the characters between its ends (hit-tested against each character's
box from ``QPdfDocument.getSelectionAtIndex``), highlighted, as the Cite target's quote.
For the keyboard, the Find box selects the next match on any page through ``getAllText``
and ``getSelectionAtIndex``. With no selection, Cite takes the page.
"""

from __future__ import annotations

from typing import BinaryIO

from assessor_app.domain import PdfPage, Quote
from assessor_app.ui.qt import (
    QBuffer,
    QByteArray,
    QColor,
    QFrame,
    QHBoxLayout,
    QImage,
    QIODevice,
    QKeyEvent,
    QLabel,
    QLineEdit,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPalette,
    QPdfDocument,
    QPdfDocumentRenderOptions,
    QPdfPageRenderer,
    QPdfSelection,
    QPointF,
    QRectF,
    QScrollArea,
    QSize,
    QSpinBox,
    Qt,
    QToolButton,
    QVBoxLayout,
    QWidget,
)
from assessor_app.ui.viewers.base import ArtifactViewer, CiteTarget, PositionState

_MAX_BYTES = 200 * 1024 * 1024
_ZOOMS = (0.5, 0.75, 1.0, 1.25, 1.5, 2.0, 3.0, 4.0)
_SELECTION = QColor(51, 153, 255, 90)


class _PageCanvas(QWidget):
    """The rendered page; mouse drags select text on it."""

    def __init__(self, owner: PdfViewer) -> None:
        super().__init__()
        self._owner = owner
        self.image: QImage | None = None
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setAccessibleName("PDF page")
        self.setCursor(Qt.CursorShape.IBeamCursor)
        self._anchor: QPointF | None = None

    def sizeHint(self) -> QSize:
        return self._owner.page_pixel_size()

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), self.palette().color(QPalette.ColorRole.Base))
        if self.image is not None:
            painter.drawImage(0, 0, self.image)
        else:
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, "Rendering the page…")
        selection = self._owner.selection
        if selection is not None and selection.isValid():
            scale = self._owner.scale()
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(_SELECTION)
            # Selection bounds are in page points; the image is drawn at ``scale``.
            painter.scale(scale, scale)
            for polygon in selection.bounds():
                painter.drawPolygon(polygon)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self._anchor = self._owner.to_page_point(event.position())
            self._owner.set_selection(None)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._anchor is not None and event.buttons() & Qt.MouseButton.LeftButton:
            self._owner.select_between(self._anchor, self._owner.to_page_point(event.position()))

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if self._anchor is not None and event.button() == Qt.MouseButton.LeftButton:
            self._owner.select_between(self._anchor, self._owner.to_page_point(event.position()))
            self._anchor = None

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if not self._owner.handle_key(event):
            super().keyPressEvent(event)


class PdfViewer(ArtifactViewer):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.document = QPdfDocument(self)
        self.document.statusChanged.connect(self._status_changed)
        self.renderer = QPdfPageRenderer(self)
        self.renderer.setRenderMode(QPdfPageRenderer.RenderMode.MultiThreaded)
        self.renderer.setDocument(self.document)
        self.renderer.pageRendered.connect(self._page_rendered)
        self._buffer: QBuffer | None = None
        self._bytes: QByteArray | None = None
        self._page = 0
        self._zoom = 1.0
        self._request = -1
        self.selection: QPdfSelection | None = None
        self._find_from: tuple[int, int] = (0, 0)
        self._boxes: dict[int, list[QRectF]] = {}
        self._settled = False

        self.content = QWidget(self)
        self.canvas = _PageCanvas(self)
        # Focusing the viewer (after Ctrl+Page Down, say) focuses what takes its keys.
        self.setFocusProxy(self.canvas)
        self._scroll_area = QScrollArea(self.content)
        self._scroll_area.setWidget(self.canvas)
        self._scroll_area.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        self._scroll_area.setFrameShape(QFrame.Shape.NoFrame)

        bar = QHBoxLayout()
        bar.setContentsMargins(4, 2, 4, 2)
        self.previous_page = self._tool("◀", "Previous page (Page Up)", self.previous)
        self.page_box = QSpinBox(self.content)
        self.page_box.setAccessibleName("Page number")
        self.page_box.setMinimum(1)
        self.page_box.valueChanged.connect(lambda v: self.set_page(v - 1))
        self.page_count_label = QLabel(self.content)
        self.next_page = self._tool("▶", "Next page (Page Down)", self.next)
        self.zoom_out = self._tool("−", "Zoom out (-)", lambda: self.step_zoom(-1))
        self.zoom_label = QLabel(self.content)
        self.zoom_label.setAccessibleName("Zoom")
        self.zoom_in = self._tool("+", "Zoom in (+)", lambda: self.step_zoom(1))
        self.find_box = QLineEdit(self.content)
        self.find_box.setPlaceholderText("Find text to quote…")
        self.find_box.setAccessibleName("Find text in the PDF")
        self.find_box.setToolTip("Enter selects the next match; Cite then quotes it.")
        self.find_box.returnPressed.connect(lambda: self.find_text(self.find_box.text()))
        for widget in (
            self.previous_page,
            self.page_box,
            self.page_count_label,
            self.next_page,
        ):
            bar.addWidget(widget)
        bar.addSpacing(8)
        for widget in (self.zoom_out, self.zoom_label, self.zoom_in):
            bar.addWidget(widget)
        bar.addSpacing(8)
        bar.addWidget(self.find_box, 1)
        layout = QVBoxLayout(self.content)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addLayout(bar)
        layout.addWidget(self._scroll_area, 1)
        self._message.setText("Opening the PDF…")

    def _tool(self, text: str, tip: str, slot: object) -> QToolButton:
        button = QToolButton(self.content)
        button.setText(text)
        button.setToolTip(tip)
        button.setAccessibleName(tip.split(" (")[0])
        button.clicked.connect(slot)
        return button

    # -- loading --------------------------------------------------------------------------

    def _show(self, stream: BinaryIO) -> None:
        data = stream.read(_MAX_BYTES + 1)
        if len(data) > _MAX_BYTES:
            raise ValueError("it is larger than 200 MB")
        self.document.close()
        self.selection = None
        self._boxes = {}
        self.canvas.image = None
        self._bytes = QByteArray(data)
        self._buffer = QBuffer(self._bytes, self)
        self._buffer.open(QIODevice.OpenModeFlag.ReadOnly)
        self._settled = False
        self.document.load(self._buffer)
        # Loading from memory may finish before load() returns, with or without a signal.
        if not self._settled:
            self._status_changed(self.document.status())

    def _status_changed(self, status: QPdfDocument.Status) -> None:
        if self._settled:
            return
        if status == QPdfDocument.Status.Error:
            self._settled = True
            name = self.artifact.display_name if self.artifact else "This PDF"
            reason = {
                QPdfDocument.Error.IncorrectPassword: "it is protected by a password",
                QPdfDocument.Error.UnsupportedSecurityScheme: "it uses unsupported security",
                QPdfDocument.Error.InvalidFileFormat: "it is damaged or not a PDF",
            }.get(self.document.error(), "it could not be opened")
            self.show_error(f"“{name}” cannot be shown: {reason}.")
        elif status == QPdfDocument.Status.Ready and self.page_count() > 0:
            self._settled = True
            self.page_box.blockSignals(True)
            self.page_box.setMaximum(self.page_count())
            self.page_box.blockSignals(False)
            self.page_count_label.setText(f"of {self.page_count()}")
            self.set_content_widget(self.content)
            self._page = 0
            self._render()
            self._content_ready()

    def _is_ready(self) -> bool:
        return self.document.status() == QPdfDocument.Status.Ready and self.page_count() > 0

    def is_rendered(self) -> bool:
        return self.canvas.image is not None

    # -- geometry -----------------------------------------------------------------------

    def page_count(self) -> int:
        return self.document.pageCount()

    def current_page(self) -> int:
        """0-based."""
        return self._page

    def zoom(self) -> float:
        return self._zoom

    def scale(self) -> float:
        """Pixels per PDF point at the current zoom."""
        return self._zoom * self.logicalDpiX() / 72.0

    def page_pixel_size(self) -> QSize:
        if not self._is_ready():
            return QSize(400, 500)
        points = self.document.pagePointSize(self._page)
        return QSize(round(points.width() * self.scale()), round(points.height() * self.scale()))

    def to_page_point(self, position: QPointF) -> QPointF:
        return QPointF(position.x() / self.scale(), position.y() / self.scale())

    # -- navigation -----------------------------------------------------------------------

    def set_page(self, page: int) -> None:
        if not self._is_ready():
            return
        page = max(0, min(self.page_count() - 1, page))
        if page == self._page and self.canvas.image is not None:
            return
        self._page = page
        self.selection = None
        self.citeTargetChanged.emit()
        self._render()

    def next(self) -> None:
        self.set_page(self._page + 1)

    def previous(self) -> None:
        self.set_page(self._page - 1)

    def set_zoom(self, zoom: float) -> None:
        self._zoom = max(_ZOOMS[0], min(_ZOOMS[-1], zoom))
        self._render()

    def step_zoom(self, direction: int) -> None:
        if direction > 0:
            self.set_zoom(next((z for z in _ZOOMS if z > self._zoom + 1e-6), _ZOOMS[-1]))
        else:
            self.set_zoom(next((z for z in reversed(_ZOOMS) if z < self._zoom - 1e-6), _ZOOMS[0]))

    def handle_key(self, event: QKeyEvent) -> bool:
        key = event.key()
        if key == Qt.Key.Key_PageDown and not event.modifiers():
            self.next()
        elif key == Qt.Key.Key_PageUp and not event.modifiers():
            self.previous()
        elif key in (Qt.Key.Key_Plus, Qt.Key.Key_Equal):
            self.step_zoom(1)
        elif key == Qt.Key.Key_Minus:
            self.step_zoom(-1)
        else:
            return False
        return True

    def _render(self) -> None:
        self.page_box.blockSignals(True)
        self.page_box.setValue(self._page + 1)
        self.page_box.blockSignals(False)
        self.previous_page.setEnabled(self._page > 0)
        self.next_page.setEnabled(self._page + 1 < self.page_count())
        self.zoom_label.setText(f"{round(self._zoom * 100)}%")
        size = self.page_pixel_size()
        self.canvas.resize(size)
        self.canvas.update()
        self._request = self.renderer.requestPage(self._page, size, QPdfDocumentRenderOptions())

    def _page_rendered(
        self,
        page: int,
        size: QSize,
        image: QImage,
        options: QPdfDocumentRenderOptions,
        request: int,
    ) -> None:
        # Keep only the latest request: a fast reader may flip pages faster than they render.
        if page == self._page and size == self.page_pixel_size():
            self.canvas.image = image
            self.canvas.update()

    # -- selection and citations ----------------------------------------------------------

    def set_selection(self, selection: QPdfSelection | None) -> None:
        self.selection = selection
        self.canvas.update()
        self.citeTargetChanged.emit()

    def select_between(self, start: QPointF, end: QPointF) -> None:
        """Select the text from the character nearest ``start`` to the one nearest ``end``
        (page points). pdfium's own hit test needs both ends exactly on a glyph, which a
        drag from the margin never is, so characters are hit-tested here."""
        boxes = self._char_boxes(self._page)
        if not boxes:
            self.set_selection(None)
            return
        first = self._nearest_char(boxes, start)
        last = self._nearest_char(boxes, end)
        first, last = self._whole_words(min(first, last), max(first, last))
        selection = self.document.getSelectionAtIndex(self._page, first, last - first + 1)
        self.set_selection(selection if selection.isValid() else None)

    def _whole_words(self, first: int, last: int) -> tuple[int, int]:
        """Widen a character range to whole words, so a quote never starts or ends
        mid-word ("…was looki")."""
        text = self.document.getAllText(self._page).text()
        while first > 0 and text[first - 1].isalnum() and text[first].isalnum():
            first -= 1
        while last + 1 < len(text) and text[last + 1].isalnum() and text[last].isalnum():
            last += 1
        return first, last

    def _char_boxes(self, page: int) -> list[QRectF]:
        if page not in self._boxes:
            count = len(self.document.getAllText(page).text())
            self._boxes[page] = [
                self.document.getSelectionAtIndex(page, i, 1).boundingRectangle()
                for i in range(count)
            ]
        return self._boxes[page]

    @staticmethod
    def _nearest_char(boxes: list[QRectF], point: QPointF) -> int:
        def distance(index: int) -> tuple[float, float]:
            box = boxes[index]
            if box.isEmpty():
                return (float("inf"), float("inf"))
            # Same line first (vertical distance), then horizontal distance.
            dy = max(box.top() - point.y(), 0.0, point.y() - box.bottom())
            dx = max(box.left() - point.x(), 0.0, point.x() - box.right())
            return (dy, dx)

        return min(range(len(boxes)), key=distance)

    def selected_text(self) -> str:
        if self.selection is None or not self.selection.isValid():
            return ""
        return " ".join(self.selection.text().split())

    def find_text(self, text: str) -> bool:
        """Select the next occurrence of ``text`` after the last match, on any page."""
        wanted = " ".join(text.split()).casefold()
        if not wanted or not self._is_ready():
            return False
        pages = self.page_count()
        start_page, start_char = self._find_from
        for step in range(pages + 1):
            page = (start_page + step) % pages
            flat, index_map = self._page_text(page)
            begin = start_char if step == 0 else 0
            found = flat.casefold().find(wanted, begin)
            if found < 0:
                continue
            first = index_map[found]
            last = index_map[found + len(wanted) - 1]
            self.set_page(page)
            self.set_selection(self.document.getSelectionAtIndex(page, first, last - first + 1))
            self._find_from = (page, found + 1)
            return True
        self._find_from = (0, 0)
        return False

    def _page_text(self, page: int) -> tuple[str, list[int]]:
        """The page's text with whitespace runs collapsed, and each character's index in
        the original text (what ``getSelectionAtIndex`` counts)."""
        raw = self.document.getAllText(page).text()
        chars: list[str] = []
        index_map: list[int] = []
        for i, ch in enumerate(raw):
            if ch.isspace():
                if chars and chars[-1] == " ":
                    continue
                ch = " "
            chars.append(ch)
            index_map.append(i)
        return "".join(chars), index_map

    def cite_target(self) -> CiteTarget | None:
        if not self._is_ready():
            return None
        text = self.selected_text()
        if text:
            # A selection is always on the page shown: turning the page clears it.
            return Quote(text, self._page + 1)
        return PdfPage(self._page + 1)

    def go_to(self, target: CiteTarget) -> bool:
        if not self._is_ready() or not isinstance(target, PdfPage | Quote):
            return False
        if isinstance(target, PdfPage):
            if target.page > self.page_count():
                return False
            self.set_page(target.page - 1)
            return True
        page = target.page or 1
        self._find_from = (min(page, self.page_count()) - 1, 0)
        return self.find_text(target.text)

    def position_state(self) -> PositionState:
        return {"page": self._page + 1, "zoom": self._zoom}

    def _apply_position_state(self, state: PositionState) -> None:
        self._zoom = float(state.get("zoom", self._zoom))
        self.canvas.image = None
        self._page = -1
        self.set_page(int(state.get("page", 1)) - 1)
