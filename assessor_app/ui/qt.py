"""The one module through which the UI imports Qt.

Keeping every PySide6 import here means a Qt upgrade or a binding quirk is handled in
one place, and ``grep "ui.qt"`` shows every Qt dependant.

Names are looked up on first use (PEP 562 ``__getattr__``), not when this module is
imported: PySide6 builds a class and its enums the first time the class is taken from
its module, and building all of the classes below (the ``Qt`` namespace, the dialogs,
QtPdf) costs more than starting a bare window does. The window's first paint therefore
builds only the classes it shows; the rest are built when a view that uses them opens.

PySide6 also replaces ``import``: after every import statement it reads the source of
each module it has not seen, to learn whether the module uses PySide6 and so may opt in
to its ``from __feature__ import snake_case`` switches. Nothing here opts in, and those
reads cost 5-10 ms before the first paint and about 100 ms while the worker imports the
store and the sync engine; ``_skip_feature_scan`` answers "uses PySide6, no feature" for
every module instead, which is the behaviour the scan would have given them.
"""

from __future__ import annotations

import sys
from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from PySide6.QtCore import (
        QAbstractItemModel,
        QAbstractListModel,
        QAbstractTableModel,
        QBuffer,
        QByteArray,
        QEvent,
        QIODevice,
        QItemSelectionModel,
        QModelIndex,
        QObject,
        QPersistentModelIndex,
        QPoint,
        QPointF,
        QRect,
        QRectF,
        QRegularExpression,
        QRunnable,
        QSettings,
        QSize,
        QSizeF,
        QSortFilterProxyModel,
        Qt,
        QThread,
        QThreadPool,
        QTimer,
        QUrl,
        Signal,
        Slot,
    )
    from PySide6.QtGui import (
        QAction,
        QBrush,
        QCloseEvent,
        QColor,
        QDesktopServices,
        QFont,
        QFontMetrics,
        QGuiApplication,
        QIcon,
        QImage,
        QKeyEvent,
        QKeySequence,
        QMouseEvent,
        QPainter,
        QPaintEvent,
        QPalette,
        QPen,
        QPixmap,
        QPolygonF,
        QResizeEvent,
        QShortcut,
        QStandardItem,
        QStandardItemModel,
        QTextCursor,
        QTextDocument,
        QWheelEvent,
    )
    from PySide6.QtPdf import (
        QPdfDocument,
        QPdfDocumentRenderOptions,
        QPdfPageRenderer,
        QPdfSelection,
    )
    from PySide6.QtWidgets import (
        QAbstractButton,
        QAbstractItemView,
        QAbstractScrollArea,
        QAbstractSlider,
        QAbstractSpinBox,
        QApplication,
        QButtonGroup,
        QCheckBox,
        QComboBox,
        QDialog,
        QDialogButtonBox,
        QFileDialog,
        QFormLayout,
        QFrame,
        QGraphicsPixmapItem,
        QGraphicsRectItem,
        QGraphicsScene,
        QGraphicsView,
        QGridLayout,
        QGroupBox,
        QHBoxLayout,
        QHeaderView,
        QInputDialog,
        QLabel,
        QLayout,
        QLayoutItem,
        QLineEdit,
        QListView,
        QListWidget,
        QListWidgetItem,
        QMainWindow,
        QMenu,
        QMessageBox,
        QPlainTextEdit,
        QProgressBar,
        QPushButton,
        QScrollArea,
        QSizePolicy,
        QSlider,
        QSpinBox,
        QSplitter,
        QStackedWidget,
        QStatusBar,
        QStyle,
        QStyledItemDelegate,
        QStyleOptionButton,
        QStyleOptionViewItem,
        QStylePainter,
        QTabBar,
        QTableView,
        QTableWidget,
        QTableWidgetItem,
        QTabWidget,
        QTextBrowser,
        QTextEdit,
        QToolBar,
        QToolButton,
        QVBoxLayout,
        QWidget,
    )
    from shiboken6 import isValid

__all__ = [
    "QAbstractButton",
    "QAbstractItemModel",
    "QAbstractItemView",
    "QAbstractListModel",
    "QAbstractScrollArea",
    "QAbstractSlider",
    "QAbstractSpinBox",
    "QAbstractTableModel",
    "QAction",
    "QApplication",
    "QBrush",
    "QBuffer",
    "QButtonGroup",
    "QByteArray",
    "QCheckBox",
    "QCloseEvent",
    "QColor",
    "QComboBox",
    "QDesktopServices",
    "QDialog",
    "QDialogButtonBox",
    "QEvent",
    "QFileDialog",
    "QFont",
    "QFontMetrics",
    "QFormLayout",
    "QFrame",
    "QGraphicsPixmapItem",
    "QGraphicsRectItem",
    "QGraphicsScene",
    "QGraphicsView",
    "QGridLayout",
    "QGroupBox",
    "QGuiApplication",
    "QHBoxLayout",
    "QHeaderView",
    "QIODevice",
    "QIcon",
    "QImage",
    "QInputDialog",
    "QItemSelectionModel",
    "QKeyEvent",
    "QKeySequence",
    "QLabel",
    "QLayout",
    "QLayoutItem",
    "QLineEdit",
    "QListView",
    "QListWidget",
    "QListWidgetItem",
    "QMainWindow",
    "QMenu",
    "QMessageBox",
    "QModelIndex",
    "QMouseEvent",
    "QObject",
    "QPaintEvent",
    "QPainter",
    "QPalette",
    "QPdfDocument",
    "QPdfDocumentRenderOptions",
    "QPdfPageRenderer",
    "QPdfSelection",
    "QPen",
    "QPersistentModelIndex",
    "QPixmap",
    "QPlainTextEdit",
    "QPoint",
    "QPointF",
    "QPolygonF",
    "QProgressBar",
    "QPushButton",
    "QRect",
    "QRectF",
    "QRegularExpression",
    "QResizeEvent",
    "QRunnable",
    "QScrollArea",
    "QSettings",
    "QShortcut",
    "QSize",
    "QSizeF",
    "QSizePolicy",
    "QSlider",
    "QSortFilterProxyModel",
    "QSpinBox",
    "QSplitter",
    "QStackedWidget",
    "QStandardItem",
    "QStandardItemModel",
    "QStatusBar",
    "QStyle",
    "QStyleOptionButton",
    "QStyleOptionViewItem",
    "QStylePainter",
    "QStyledItemDelegate",
    "QTabBar",
    "QTabWidget",
    "QTableView",
    "QTableWidget",
    "QTableWidgetItem",
    "QTextBrowser",
    "QTextCursor",
    "QTextDocument",
    "QTextEdit",
    "QThread",
    "QThreadPool",
    "QTimer",
    "QToolBar",
    "QToolButton",
    "QUrl",
    "QVBoxLayout",
    "QWheelEvent",
    "QWidget",
    "Qt",
    "Signal",
    "Slot",
    "isValid",
]

# Where a name in ``__all__`` is looked for, in this order.
_MODULES = ("PySide6.QtCore", "PySide6.QtGui", "PySide6.QtWidgets", "PySide6.QtPdf", "shiboken6")


# Where PySide6 keeps its import hook's scan (an internal module; checked by a test).
_FEATURE_MODULE = "shibokensupport.feature"
# PySide's private hook, not in its type stubs: hence looked up by name.
_FEATURE_HOOK = "_mod_uses_pyside"


def _uses_pyside_without_features(_module: object) -> bool:
    return True


_feature_scan_skipped = False


def _skip_feature_scan() -> None:
    """Load PySide6 and stop it reading the source of every module imported after it
    (see above).

    "Uses PySide6" makes PySide6 select its default feature set (none) whenever such a
    module calls into Qt, which is right for every module that does not itself import
    ``__feature__``; a module that does import it still gets the features it asks for."""
    global _feature_scan_skipped
    import_module(_MODULES[0])
    feature = sys.modules.get(_FEATURE_MODULE)
    if feature is not None and hasattr(feature, _FEATURE_HOOK):
        setattr(feature, _FEATURE_HOOK, _uses_pyside_without_features)
    _feature_scan_skipped = True


def __getattr__(name: str) -> Any:
    if name not in __all__:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    if not _feature_scan_skipped:
        _skip_feature_scan()
    for module_name in _MODULES:
        value = getattr(import_module(module_name), name, None)
        if value is not None:
            globals()[name] = value
            return value
    raise AttributeError(f"{name!r} is in none of {_MODULES}")


def __dir__() -> list[str]:
    return sorted(__all__)
