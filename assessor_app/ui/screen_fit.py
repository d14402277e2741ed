"""Top-level windows sized and placed inside the available area of their screen.

A window bigger than the screen (or restored onto a screen that has since shrunk) opens
partly off it, with its edges and buttons out of reach. Every top-level window and dialog
that picks its own size goes through ``fit_to_screen``, a dialog sized by its contents
through ``fit_dialog``; a restored geometry goes through ``keep_on_screen``.
"""

from __future__ import annotations

from assessor_app.ui.qt import QGuiApplication, QRect, QWidget

FRAME_ALLOWANCE = 40
"""Room left for the title bar and borders, which the window manager adds outside the
size Qt sets and which are not known before the window is first shown."""


def available_area(window: QWidget) -> QRect:
    screen = window.screen() or QGuiApplication.primaryScreen()
    return screen.availableGeometry()


def fit_to_screen(window: QWidget, width: int, height: int) -> None:
    """Give ``window`` the size it asks for, or less where the screen is smaller, and
    centre it on the screen's available area."""
    area = available_area(window)
    width = max(min(width, area.width() - FRAME_ALLOWANCE // 4), window.minimumWidth())
    height = max(min(height, area.height() - FRAME_ALLOWANCE), window.minimumHeight())
    window.resize(width, height)
    window.move(area.x() + (area.width() - width) // 2, area.y() + (area.height() - height) // 2)


def fit_dialog(dialog: QWidget, width: int = 0, extra_height: int = 0) -> None:
    """Size a dialog by what its layout asks for — at least ``width`` wide, plus
    ``extra_height`` for contents its layout cannot measure (a scroll area's) — within
    the screen, and centre it there."""
    hint = dialog.sizeHint()
    fit_to_screen(dialog, max(hint.width(), width), hint.height() + extra_height)


def keep_on_screen(window: QWidget) -> None:
    """Shrink and move a window whose (restored) geometry leaves the available area."""
    area = available_area(window)
    # Before the first show the frame is not known: the allowance stands in for it.
    inner = area.adjusted(FRAME_ALLOWANCE // 8, FRAME_ALLOWANCE, -(FRAME_ALLOWANCE // 8), 0)
    if window.isVisible() and area.contains(window.frameGeometry()):
        return
    if not window.isVisible() and inner.contains(window.geometry()):
        return
    fit_to_screen(window, window.width(), window.height())
