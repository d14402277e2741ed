"""Answer keys after upload: the assessor's keyed calibration items, each compared with
its key criterion by criterion (your level, the key's, exact / adjacent / off by N in
symbol and words, and the key's rationale), and the drift chart over all of them.

Keys kept on this computer are shown at once, offline; "Check for keys" asks the hub for
the keys of uploaded items that have none yet, on the net executor.
"""

from __future__ import annotations

from assessor_app.domain.calibration_display import format_share
from assessor_app.domain.text import printable
from assessor_app.domain.wording import plural
from assessor_app.services.calibration import CalibrationService, KeyComparison, KeyFetchReport
from assessor_app.services.problems import problem_words
from assessor_app.ui.background import Executors
from assessor_app.ui.calibration.drift_chart import DriftChart
from assessor_app.ui.calibration.models import KeyModel
from assessor_app.ui.plain_text import as_html, set_plain
from assessor_app.ui.qt import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSplitter,
    Qt,
    QTableView,
    QVBoxLayout,
    QWidget,
    Signal,
)

_ID_ROLE = Qt.ItemDataRole.UserRole + 1


class KeyComparisonView(QWidget):
    """One keyed item against its key."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.comparison: KeyComparison | None = None
        self.heading = QLabel("Choose a keyed item to compare your scores with its key.", self)
        self.heading.setWordWrap(True)
        self.heading.setTextFormat(Qt.TextFormat.RichText)
        self.heading.setAccessibleName("Keyed item")
        self.summary = QLabel(self)
        self.summary.setWordWrap(True)
        self.summary.setAccessibleName("Agreement with the key")
        self.model = KeyModel(self)
        self.table = QTableView(self)
        self.table.setModel(self.model)
        self.table.setAccessibleName("Your levels and the key's, criterion by criterion")
        self.table.setWordWrap(True)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(4, QHeaderView.ResizeMode.Stretch)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.heading)
        layout.addWidget(self.summary)
        layout.addWidget(self.table, 1)

    def show_comparison(self, comparison: KeyComparison | None) -> None:
        self.comparison = comparison
        self.model.set_comparison(comparison)
        if comparison is None:
            self.heading.setText("Choose a keyed item to compare your scores with its key.")
            self.summary.setText("")
            return
        self.heading.setText(
            f"<b>{as_html(comparison.item_name)}</b> · decided {comparison.decided_at:%d %b %Y}"
        )
        self.summary.setText(
            f"Exact: {format_share(comparison.exact_share)} of criteria · exact or adjacent: "
            f"{format_share(comparison.adjacent_share)} · {comparison.decision_words()}"
        )
        self.table.resizeRowsToContents()


class KeysPanel(QWidget):
    """``keysChanged(count)`` fires after the kept keys were (re)loaded."""

    keysChanged = Signal(int)
    fetched = Signal(object)
    failed = Signal(str)

    def __init__(
        self, service: CalibrationService, executors: Executors, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.service = service
        self.executors = executors
        self.comparisons: list[KeyComparison] = []
        self.fetch_button = QPushButton("Check for keys", self)
        self.fetch_button.setToolTip("Ask the hub for the keys of calibration items you uploaded")
        self.fetch_button.clicked.connect(self.fetch)
        self.status = QLabel(self)
        self.status.setAccessibleName("Keys status")
        self.status.setWordWrap(True)
        self.items = QListWidget(self)
        self.items.setAccessibleName("Keyed calibration items")
        self.items.currentItemChanged.connect(self._chosen)
        self.view = KeyComparisonView(self)
        self.chart = DriftChart(self)

        top = QHBoxLayout()
        top.addWidget(self.fetch_button)
        top.addWidget(self.status, 1)
        split = QSplitter(Qt.Orientation.Horizontal, self)
        split.addWidget(self.items)
        split.addWidget(self.view)
        split.setStretchFactor(1, 3)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(split, 3)
        layout.addWidget(QLabel("<b>Your agreement with keys over time</b>", self))
        layout.addWidget(self.chart, 1)

    def reload(self) -> None:
        """Show the keys kept on this computer (no network)."""
        self.executors.db.submit(self.service.comparisons, success=self._loaded)

    def _loaded(self, comparisons: list[KeyComparison]) -> None:
        current = self.current_assignment_id()
        self.comparisons = comparisons
        self.items.clear()
        for comparison in reversed(comparisons):  # newest first
            item = QListWidgetItem(
                f"{comparison.decided_at:%d %b %Y} · {printable(comparison.item_name)} · "
                f"{format_share(comparison.exact_share)} exact"
            )
            item.setData(_ID_ROLE, comparison.assignment_id)
            self.items.addItem(item)
        self.chart.set_points([c.drift_point() for c in comparisons])
        if not comparisons:
            self.status.setText(
                "No keys yet. Keys of keyed calibration items appear here once your decision "
                "has been uploaded."
            )
        self.select(current or (comparisons[-1].assignment_id if comparisons else None))
        self.keysChanged.emit(len(comparisons))

    def current_assignment_id(self) -> str | None:
        item = self.items.currentItem()
        return None if item is None else str(item.data(_ID_ROLE))

    def select(self, assignment_id: str | None) -> None:
        for row in range(self.items.count()):
            if self.items.item(row).data(_ID_ROLE) == assignment_id:
                self.items.setCurrentRow(row)
                return
        self.view.show_comparison(None)

    def _chosen(self, item: QListWidgetItem | None, _previous: object = None) -> None:
        wanted = None if item is None else item.data(_ID_ROLE)
        self.view.show_comparison(
            next((c for c in self.comparisons if c.assignment_id == wanted), None)
        )

    def fetch(self) -> None:
        """Ask the hub for missing keys (net executor), then show what is kept."""
        self.fetch_button.setEnabled(False)
        self.status.setText("Checking the hub for keys…")
        self.executors.net.submit(
            self.service.fetch_keys, success=self._fetched, failure=self._fetch_failed
        )

    def _fetched(self, report: KeyFetchReport) -> None:
        self.fetch_button.setEnabled(True)
        words = [f"{plural(len(report.fetched), 'new key')}"]
        if report.waiting:
            words.append(f"{len(report.waiting)} waiting for your upload to reach the hub")
        if report.failed:
            words.append(f"{len(report.failed)} could not be read")
        self.status.setText("Checked the hub: " + ", ".join(words) + ".")
        self.fetched.emit(report)
        self.reload()

    def _fetch_failed(self, error: BaseException) -> None:
        self.fetch_button.setEnabled(True)
        why = problem_words(error)
        message = f"Could not check for keys. {why} Keys already received are shown."
        set_plain(self.status, message)
        self.failed.emit(message)
