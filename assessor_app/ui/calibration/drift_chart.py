"""The personal drift chart: the assessor's exact agreement with answer keys, one point
per keyed item in the order the items were decided, drawn with QPainter.

A dashed line marks the 80% exact-agreement bar many scoring programmes use. Each point
also has a shape for its band (filled circle at or above the bar, hollow below) so the
chart does not rely on colour, and the accessible description says the same in words.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import pairwise

from assessor_app.domain.calibration_display import DriftPoint, format_share
from assessor_app.ui.plain_text import plain, tooltip
from assessor_app.ui.qt import (
    QColor,
    QFont,
    QPainter,
    QPaintEvent,
    QPen,
    QPointF,
    QRectF,
    QSize,
    Qt,
    QWidget,
)

AGREEMENT_BAR = 0.8
LINE_COLOUR = QColor("#7a4fa0")
BAR_COLOUR = QColor("#8c959f")
_LEFT, _RIGHT, _TOP, _BOTTOM = 44.0, 16.0, 24.0, 28.0
_RADIUS = 4.0


class DriftChart(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._points: list[DriftPoint] = []
        self.setAccessibleName("Agreement with answer keys over time")
        self.setMinimumSize(280, 160)
        self._describe()

    def sizeHint(self) -> QSize:
        return QSize(480, 200)

    def set_points(self, points: Sequence[DriftPoint]) -> None:
        self._points = sorted(points, key=lambda p: p.decided_at)
        self._describe()
        self.update()

    def points(self) -> list[DriftPoint]:
        return list(self._points)

    def _describe(self) -> None:
        if not self._points:
            text = "No keyed calibration items yet: your agreement with keys appears here."
        else:
            parts = [
                f"{p.decided_at:%d %b %Y}, {p.label or p.assignment_id}: "
                f"{format_share(p.exact_share)} exact"
                for p in self._points
            ]
            text = "Exact agreement with the key per item, oldest first: " + "; ".join(parts)
        self.setAccessibleDescription(plain(text))
        self.setToolTip(tooltip(text))

    def plot_rect(self) -> QRectF:
        return QRectF(
            _LEFT,
            _TOP,
            max(1.0, self.width() - _LEFT - _RIGHT),
            max(1.0, self.height() - _TOP - _BOTTOM),
        )

    def point_position(self, index: int) -> QPointF:
        """Where point ``index`` (in date order) is drawn."""
        rect = self.plot_rect()
        count = len(self._points)
        x = rect.left() + rect.width() * (index + 0.5) / max(count, 1)
        y = rect.bottom() - rect.height() * self._points[index].exact_share
        return QPointF(x, y)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        palette = self.palette()
        text_colour = palette.color(palette.ColorRole.WindowText)
        rect = self.plot_rect()
        font = QFont(self.font())
        font.setPointSizeF(max(7.0, font.pointSizeF() * 0.85))
        painter.setFont(font)

        painter.setPen(QPen(text_colour, 1))
        painter.drawText(
            QRectF(0, 0, self.width(), _TOP - 4),
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
            "Exact agreement with the key, per item (oldest first)",
        )
        for share in (0.0, 0.5, 1.0):
            y = rect.bottom() - rect.height() * share
            painter.drawText(
                QRectF(0, y - 8, _LEFT - 6, 16),
                Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                format_share(share),
            )
        painter.drawLine(rect.bottomLeft(), rect.bottomRight())
        painter.drawLine(rect.bottomLeft(), rect.topLeft())

        bar_y = rect.bottom() - rect.height() * AGREEMENT_BAR
        painter.setPen(QPen(BAR_COLOUR, 1, Qt.PenStyle.DashLine))
        painter.drawLine(QPointF(rect.left(), bar_y), QPointF(rect.right(), bar_y))
        painter.drawText(
            QRectF(rect.right() - 60, bar_y - 16, 60, 14),
            Qt.AlignmentFlag.AlignRight,
            f"{format_share(AGREEMENT_BAR)} bar",
        )

        if not self._points:
            painter.setPen(QPen(text_colour, 1))
            painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, "No keyed items yet")
            painter.end()
            return
        positions = [self.point_position(i) for i in range(len(self._points))]
        painter.setPen(QPen(LINE_COLOUR, 2))
        for a, b in pairwise(positions):
            painter.drawLine(a, b)
        for point, position in zip(self._points, positions, strict=True):
            painter.setPen(QPen(LINE_COLOUR, 2))
            painter.setBrush(
                LINE_COLOUR
                if point.exact_share >= AGREEMENT_BAR
                else palette.color(palette.ColorRole.Base)
            )
            painter.drawEllipse(position, _RADIUS, _RADIUS)
        painter.setPen(QPen(text_colour, 1))
        step = max(1, len(positions) // 8)
        for number, position in enumerate(positions, start=1):
            if (number - 1) % step == 0:
                painter.drawText(
                    QRectF(position.x() - 20, rect.bottom() + 4, 40, 16),
                    Qt.AlignmentFlag.AlignHCenter,
                    str(number),
                )
        painter.end()
