"""The video timeline: playhead, watched stretches, markers for notes and citations, and
the marked range to cite.

Markers are never told apart by colour alone: a note is a triangle carrying "N", a
citation a bracketed span carrying "C", the marks lines carrying "I" and "O" with the
range between them shaded. Hovering shows the marker's text as the tooltip;
clicking a marker (or anywhere on the bar) asks for a seek. When the file ends early,
the part after what exists is hatched ("Missing from the file").
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from assessor_app.domain.coverage import PlayedRanges
from assessor_app.media.timecode import format_timecode
from assessor_app.ui.plain_text import tooltip
from assessor_app.ui.qt import (
    QBrush,
    QColor,
    QFont,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPalette,
    QPen,
    QPointF,
    QRectF,
    QSize,
    QSizePolicy,
    Qt,
    QWidget,
    Signal,
)

MarkerKind = Literal["note", "citation"]

_MARGIN = 10
_HIT_PX = 7
_BAR_TOP = 16  # room above for citation brackets, below for note triangles
_LETTER = {"note": "N", "citation": "C"}
_MISSING_TIP = "Missing from the file: the video ends early"


@dataclass(frozen=True)
class Marker:
    """A point (note) or span (citation) on the timeline; ``text`` is its tooltip."""

    time_ms: int
    kind: MarkerKind
    text: str
    end_ms: int | None = None


class TimelineWidget(QWidget):
    """A scrub bar for one video. Times are in milliseconds."""

    seekRequested = Signal(int)
    markerClicked = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._duration = 0
        self._position = 0
        self._markers: list[Marker] = []
        self._played = PlayedRanges()
        self._present: int | None = None
        self._marks: tuple[int | None, int | None] = (None, None)
        self._dragging = False
        self.setMouseTracking(True)
        self.setMinimumHeight(46)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setAccessibleName("Timeline")
        self.setAccessibleDescription(
            "Playhead, watched stretches, notes (N) and citations (C); click to go there"
        )
        self._default_tip = "Click to go to that moment; N marks a note, C a citation"
        self.setToolTip(self._default_tip)

    def sizeHint(self) -> QSize:
        return QSize(400, 46)

    # --- state ---------------------------------------------------------------------------

    def set_duration(self, ms: int) -> None:
        self._duration = max(0, ms)
        self.update()

    def set_position(self, ms: int) -> None:
        if ms != self._position:
            self._position = max(0, ms)
            self.update()

    def set_markers(self, notes: list[Marker], citations: list[Marker]) -> None:
        self._markers = sorted([*notes, *citations], key=lambda m: m.time_ms)
        self.update()

    def add_marker(self, marker: Marker) -> None:
        self.set_markers([*self._markers, marker], [])

    def markers(self) -> list[Marker]:
        return list(self._markers)

    def set_present(self, ms: int | None) -> None:
        """Mark everything after ``ms`` as missing from the file (None: nothing is)."""
        self._present = ms
        self.update()

    def set_marks(self, mark_in: int | None, mark_out: int | None) -> None:
        """The in and out points of the range to cite (None: not set)."""
        self._marks = (mark_in, mark_out)
        self.update()

    def marks(self) -> tuple[int | None, int | None]:
        return self._marks

    def present(self) -> int | None:
        return self._present

    def set_played(self, played: PlayedRanges) -> None:
        self._played = played.copy()
        self.update()

    # --- geometry ------------------------------------------------------------------------

    def _bar(self) -> QRectF:
        return QRectF(_MARGIN, _BAR_TOP, max(1, self.width() - 2 * _MARGIN), 6)

    def x_for(self, ms: int) -> float:
        bar = self._bar()
        if not self._duration:
            return bar.left()
        return bar.left() + bar.width() * min(max(ms, 0), self._duration) / self._duration

    def time_at(self, x: float) -> int:
        bar = self._bar()
        fraction = min(1.0, max(0.0, (x - bar.left()) / bar.width()))
        return round(fraction * self._duration)

    def marker_at(self, x: float) -> Marker | None:
        nearest: Marker | None = None
        best = _HIT_PX + 1.0
        for marker in self._markers:
            distance = abs(self.x_for(marker.time_ms) - x)
            if distance < best:
                nearest, best = marker, distance
        return nearest if best <= _HIT_PX else None

    # --- mouse ---------------------------------------------------------------------------

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() != Qt.MouseButton.LeftButton or not self._duration:
            return
        x = event.position().x()
        marker = self.marker_at(x)
        if marker is not None:
            self.markerClicked.emit(marker)
            self.seekRequested.emit(marker.time_ms)
            return
        self._dragging = True
        self.seekRequested.emit(self.time_at(x))

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        x = event.position().x()
        if self._dragging:
            self.seekRequested.emit(self.time_at(x))
            return
        marker = self.marker_at(x)
        if marker is None:
            missing = self._present is not None and self.time_at(x) > self._present
            self.setToolTip(_MISSING_TIP if missing else self._default_tip)
            return
        span = format_timecode(marker.time_ms)
        if marker.end_ms is not None:
            span += f"–{format_timecode(marker.end_ms)}"
        # A note reads as its moment and its text ("00:45 — waits 4 s").
        words = f"{span} — {marker.text}" if marker.kind == "note" else f"Cited {span}"
        if marker.kind == "citation" and marker.text:
            words += f" — {marker.text}"
        self.setToolTip(tooltip(words))

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        self._dragging = False

    # --- painting ------------------------------------------------------------------------

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        palette = self.palette()
        bar = self._bar()
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(palette.color(QPalette.ColorRole.Mid))
        painter.drawRoundedRect(bar, 3, 3)
        if self._duration:
            # Watched stretches: a lighter inner band, so coverage is visible at a glance.
            painter.setBrush(palette.color(QPalette.ColorRole.Highlight).lighter(150))
            for start, end in self._played:
                left, right = self.x_for(start), self.x_for(end)
                painter.drawRect(QRectF(left, bar.top() + 1, max(1.0, right - left), 4))
            if self._present is not None and self._present < self._duration:
                # The missing part: hatched over the window colour, so it reads as
                # "nothing here" by pattern as well as by colour.
                left = self.x_for(self._present)
                missing = QRectF(left, bar.top() - 1, bar.right() - left, bar.height() + 2)
                painter.setBrush(palette.color(QPalette.ColorRole.Window))
                painter.drawRect(missing)
                painter.setBrush(
                    QBrush(palette.color(QPalette.ColorRole.Mid), Qt.BrushStyle.BDiagPattern)
                )
                painter.drawRect(missing)
        self._paint_marks(painter, bar)
        self._paint_markers(painter, bar)
        x = self.x_for(self._position)
        painter.setPen(QPen(palette.color(QPalette.ColorRole.Highlight), 2))
        painter.drawLine(QPointF(x, 2), QPointF(x, self.height() - 2))
        painter.setBrush(palette.color(QPalette.ColorRole.Highlight))
        painter.drawEllipse(QPointF(x, bar.center().y()), 5, 5)
        painter.end()

    def _paint_marks(self, painter: QPainter, bar: QRectF) -> None:
        mark_in, mark_out = self._marks
        if not self._duration or (mark_in is None and mark_out is None):
            return
        highlight = self.palette().color(QPalette.ColorRole.Highlight)
        if mark_in is not None and mark_out is not None:
            left, right = sorted((self.x_for(mark_in), self.x_for(mark_out)))
            shade = QColor(highlight)
            shade.setAlpha(70)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(shade)
            painter.drawRect(QRectF(left, 1, max(2.0, right - left), self.height() - 2))
        font = QFont(self.font())
        font.setPointSizeF(max(6.0, font.pointSizeF() * 0.75))
        font.setBold(True)
        painter.setFont(font)
        for ms, letter in ((mark_in, "I"), (mark_out, "O")):
            if ms is None:
                continue
            x = self.x_for(ms)
            painter.setPen(QPen(highlight, 2))
            painter.drawLine(QPointF(x, 1), QPointF(x, self.height() - 1))
            # The letter on the side of the line the range lies (right of I, left of O).
            box = QRectF(x + 2, self.height() - 14, 12, 12)
            if letter == "O":
                box.moveRight(x - 2)
            painter.drawText(box, Qt.AlignmentFlag.AlignCenter, letter)

    def _paint_markers(self, painter: QPainter, bar: QRectF) -> None:
        text_colour = self.palette().color(QPalette.ColorRole.WindowText)
        font = QFont(self.font())
        font.setPointSizeF(max(6.0, font.pointSizeF() * 0.75))
        font.setBold(True)
        painter.setFont(font)
        for marker in self._markers:
            x = self.x_for(marker.time_ms)
            if marker.kind == "note":
                # A triangle under the bar pointing up at the moment, with an "N".
                painter.setPen(QPen(text_colour, 1))
                painter.setBrush(QColor(text_colour))
                top = bar.bottom() + 1
                painter.drawPolygon(
                    [QPointF(x, top), QPointF(x - 5, top + 8), QPointF(x + 5, top + 8)]
                )
                letter_rect = QRectF(x - 8, top + 8, 16, 12)
            else:
                # A bracket above the bar spanning the cited stretch, with a "C".
                end_x = self.x_for(marker.end_ms) if marker.end_ms is not None else x
                top = bar.top() - 7
                painter.setPen(QPen(text_colour, 2))
                painter.setBrush(Qt.BrushStyle.NoBrush)
                right = max(end_x, x + 2)
                painter.drawLine(QPointF(x, top), QPointF(right, top))
                painter.drawLine(QPointF(x, top), QPointF(x, bar.top()))
                painter.drawLine(QPointF(right, top), QPointF(right, bar.top()))
                letter_rect = QRectF(x - 8, 0, 16, top)
            painter.setPen(text_colour)
            painter.drawText(letter_rect, Qt.AlignmentFlag.AlignCenter, _LETTER[marker.kind])
