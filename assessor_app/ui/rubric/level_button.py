"""``LevelButton``: one performance level as a checkable button showing its number key,
label, points and descriptor, word-wrapped to the panel's width.

It paints itself (a push-button bevel plus text) because a ``QPushButton`` cannot wrap
text or grow to fit a descriptor. The chosen level says so in words (``✓ Chosen``),
not only with the checked bevel.
"""

from __future__ import annotations

from assessor_app.domain import Level
from assessor_app.ui.plain_text import plain, tooltip
from assessor_app.ui.qt import (
    QAbstractButton,
    QFont,
    QFontMetrics,
    QKeyEvent,
    QPaintEvent,
    QPalette,
    QRect,
    QSize,
    QSizePolicy,
    QStyle,
    QStyleOptionButton,
    QStylePainter,
    Qt,
    QWidget,
)

_PAD_X = 10
_PAD_Y = 6
_GAP = 2

# Keys the rubric panel owns; the button passes them up instead of moving focus.
PANEL_KEYS = frozenset(
    {Qt.Key.Key_Up, Qt.Key.Key_Down, *(Qt.Key(Qt.Key.Key_1.value + i) for i in range(9))}
)


def _points(points: float) -> str:
    value = f"{points:g}"
    return f"{value} point" if value == "1" else f"{value} points"


class LevelButton(QAbstractButton):
    def __init__(self, number: int, level: Level, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.number = number
        self.level = level
        self.read_only = False
        self.setCheckable(True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        policy = QSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        policy.setHeightForWidth(True)
        self.setSizePolicy(policy)
        meets = "meets the standard" if level.meets else "does not meet the standard"
        self.setAccessibleName(f"Level {number}: {level.label}, {_points(level.points)}")
        self.setAccessibleDescription(f"{level.descriptor} ({meets})")
        self.setToolTip(tooltip(f"Press {number} to choose “{level.label}” ({meets})."))
        # Painted as it is, without the control characters a hub may have put in.
        self._label = plain(level.label)
        self._descriptor = plain(level.descriptor)
        self.toggled.connect(self._update_name)

    # -- text ---------------------------------------------------------------------------

    def heading(self) -> str:
        chosen = "✓ Chosen · " if self.isChecked() else ""
        meets = " · meets" if self.level.meets else ""
        return f"{chosen}({self.number}) {self._label} · {_points(self.level.points)}{meets}"

    def descriptor(self) -> str:
        """The descriptor as painted below the heading."""
        return self._descriptor

    def _heading_font(self) -> QFont:
        font = QFont(self.font())
        font.setBold(True)
        return font

    def _text_heights(self, width: int) -> tuple[int, int]:
        inner = max(40, width - 2 * _PAD_X)
        flags = int(Qt.TextFlag.TextWordWrap)
        head = QFontMetrics(self._heading_font()).boundingRect(
            QRect(0, 0, inner, 10_000), flags, self.heading()
        )
        body = self.fontMetrics().boundingRect(QRect(0, 0, inner, 10_000), flags, self.descriptor())
        return head.height(), body.height()

    # -- size ---------------------------------------------------------------------------

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        head, body = self._text_heights(width)
        return head + _GAP + body + 2 * _PAD_Y

    def sizeHint(self) -> QSize:
        width = max(self.width(), 320)
        return QSize(320, self.heightForWidth(width))

    def minimumSizeHint(self) -> QSize:
        return QSize(160, self.heightForWidth(max(self.width(), 160)))

    # -- behaviour ----------------------------------------------------------------------

    def nextCheckState(self) -> None:
        # A finalized sheet shows its levels but a click must not change them.
        if not self.read_only:
            super().nextCheckState()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in PANEL_KEYS:
            event.ignore()
            return
        super().keyPressEvent(event)

    def _update_name(self, checked: bool) -> None:
        state = "chosen" if checked else "not chosen"
        self.setAccessibleName(
            f"Level {self.number}: {self.level.label}, {_points(self.level.points)}, {state}"
        )
        self.updateGeometry()
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QStylePainter(self)
        option = QStyleOptionButton()
        option.initFrom(self)
        option.features = QStyleOptionButton.ButtonFeature.None_
        if self.isChecked():
            option.state |= QStyle.StateFlag.State_On
        if self.isDown():
            option.state |= QStyle.StateFlag.State_Sunken
        else:
            option.state |= QStyle.StateFlag.State_Raised
        painter.drawControl(QStyle.ControlElement.CE_PushButtonBevel, option)
        palette = self.palette()
        inner = self.rect().adjusted(_PAD_X, _PAD_Y, -_PAD_X, -_PAD_Y)
        if self.isChecked():
            # The accent bar is a second cue beside the "✓ Chosen" words.
            painter.fillRect(
                QRect(2, 3, 4, self.height() - 6), palette.color(QPalette.ColorRole.Highlight)
            )
        head_height, _ = self._text_heights(self.width())
        flags = int(Qt.TextFlag.TextWordWrap) | int(Qt.AlignmentFlag.AlignLeft)
        painter.setPen(palette.color(QPalette.ColorRole.ButtonText))
        painter.setFont(self._heading_font())
        painter.drawText(
            QRect(inner.x(), inner.y(), inner.width(), head_height), flags, self.heading()
        )
        painter.setFont(self.font())
        body = QRect(
            inner.x(),
            inner.y() + head_height + _GAP,
            inner.width(),
            inner.height() - head_height - _GAP,
        )
        painter.drawText(body, flags, self.descriptor())
