"""A backreader's verdict beside the evidence, in place of the rubric: per criterion the
decided level, agree or disagree, the level they would give when they disagree, and why;
an overall comment, and "send back for revision" for a decision not final yet.

Every change is handed on at once (``changed``) for the workspace to save as a draft;
``recordRequested`` asks to record it (Ctrl+Enter, or the button). Hub text (titles,
levels) is shown as plain text.
"""

from __future__ import annotations

from assessor_app.domain import Credential
from assessor_app.protocol.scoring import BackreadCriterion, BackreadVerdict, ReadOut
from assessor_app.ui.plain_text import button_text, plain_label, set_plain
from assessor_app.ui.qt import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    Qt,
    QVBoxLayout,
    QWidget,
    Signal,
)
from assessor_app.ui.shortcuts import with_hint

AGREE, DISAGREE = "Agree", "Disagree"
SEND_BACK_TEXT = "Send back for revision"
SEND_BACK_HINT = (
    "Return the decision to its assessor for revision, through the reviewer's return path "
    "(only while the decision is not final yet)"
)
# Wide enough for a criterion's verdict, level and comment side by side with their labels.
_MINIMUM_WIDTH = 340


class _CriterionVerdict(QGroupBox):
    def __init__(
        self, title: str, decided: str, levels: list[tuple[str, str]], parent: QWidget
    ) -> None:
        super().__init__(button_text(title), parent)
        self.decided = plain_label(f"Decided: {decided}", self)
        self.verdict = QComboBox(self)
        self.verdict.setAccessibleName(f"{title}: agree or disagree")
        self.verdict.addItem("Choose…", None)
        self.verdict.addItem(AGREE, True)
        self.verdict.addItem(DISAGREE, False)
        self.level = QComboBox(self)
        self.level.setAccessibleName(f"{title}: the level you would give")
        self.level.addItem("Choose…", None)
        for level_id, label in levels:
            self.level.addItem(button_text(label), level_id)
        self.comment = QLineEdit(self)
        self.comment.setAccessibleName(f"{title}: why")
        self.comment.setPlaceholderText("Why (needed when you disagree)")
        form = QFormLayout(self)
        form.addRow(self.decided)
        form.addRow("Verdict", self.verdict)
        form.addRow("Your level", self.level)
        form.addRow("Comment", self.comment)
        self.verdict.currentIndexChanged.connect(self._show_level)
        self._show_level()

    def _show_level(self, *_: object) -> None:
        self.level.setEnabled(self.verdict.currentData() is False)

    def word(self, criterion_id: str) -> BackreadCriterion | None:
        agree = self.verdict.currentData()
        if agree is None:
            return None
        level = None if agree else self.level.currentData()
        return BackreadCriterion(
            criterion_id=criterion_id, agree=agree, level_id=level, comment=self.comment.text()
        )

    def show_word(self, word: BackreadCriterion) -> None:
        self.verdict.setCurrentIndex(1 if word.agree else 2)
        index = self.level.findData(word.level_id) if word.level_id else 0
        self.level.setCurrentIndex(max(index, 0))
        self.comment.setText(word.comment)


class BackreadPanel(QWidget):
    changed = Signal(object)
    recordRequested = Signal()

    def __init__(
        self,
        credential: Credential,
        decided: ReadOut | None,
        verdict: BackreadVerdict | None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setAccessibleName("Backread")
        self._credential = credential
        self._restoring = True
        levels_read = {c.criterion_id: c.level_id for c in decided.criteria} if decided else {}
        intro = plain_label(
            "Read the decided sheet (beside the evidence) and agree or disagree with each "
            "criterion. The assessor sees your disagreements, never your name.",
            self,
        )
        intro.setWordWrap(True)
        self.banner = QLabel(self)
        self.banner.setWordWrap(True)
        self.banner.hide()
        body = QWidget(self)
        column = QVBoxLayout(body)
        self.criteria: dict[str, _CriterionVerdict] = {}
        for criterion in credential.rubric.criteria:
            labels = [
                (lv.id, f"({n}) {lv.label}") for n, lv in enumerate(criterion.levels, start=1)
            ]
            decided_id = levels_read.get(criterion.id)
            decided_text = dict(labels).get(decided_id or "", "no level")
            box = _CriterionVerdict(criterion.title, decided_text, labels, body)
            column.addWidget(box)
            self.criteria[criterion.id] = box
        self.comment = QPlainTextEdit(body)
        self.comment.setAccessibleName("Overall comment")
        self.comment.setPlaceholderText("Overall comment (optional)")
        self.comment.setTabChangesFocus(True)
        self.comment.setMaximumHeight(80)
        self.send_back = QCheckBox(SEND_BACK_TEXT, body)
        self.send_back.setToolTip(SEND_BACK_HINT)
        column.addWidget(self.comment)
        column.addWidget(self.send_back)
        column.addStretch(1)
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setMinimumWidth(_MINIMUM_WIDTH)
        scroll.setWidget(body)
        self.record_button = QPushButton("Record backread", self)
        self.record_button.setToolTip(with_hint("Record the verdict for upload", "finalize"))
        self.record_button.clicked.connect(self.recordRequested)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(intro)
        layout.addWidget(self.banner)
        layout.addWidget(scroll, 1)
        layout.addWidget(self.record_button)
        if verdict is not None:
            self.show_verdict(verdict)
        for box in self.criteria.values():
            box.verdict.currentIndexChanged.connect(self._edited)
            box.level.currentIndexChanged.connect(self._edited)
            box.comment.textChanged.connect(self._edited)
        self.comment.textChanged.connect(self._edited)
        self.send_back.toggled.connect(self._edited)
        self._restoring = False

    def verdict(self) -> BackreadVerdict:
        words = [box.word(cid) for cid, box in self.criteria.items()]
        return BackreadVerdict(
            criteria=[w for w in words if w is not None],
            comment=self.comment.toPlainText(),
            send_back=self.send_back.isChecked(),
        )

    def show_verdict(self, verdict: BackreadVerdict) -> None:
        for word in verdict.criteria:
            box = self.criteria.get(word.criterion_id)
            if box is not None:
                box.show_word(word)
        self.comment.setPlainText(verdict.comment)
        self.send_back.setChecked(verdict.send_back)

    def checked_count(self) -> int:
        return len(self.verdict().criteria)

    def set_read_only(self, read_only: bool, why: str) -> None:
        for box in self.criteria.values():
            box.setEnabled(not read_only)
        self.comment.setReadOnly(read_only)
        self.send_back.setEnabled(not read_only)
        self.record_button.setEnabled(not read_only)
        set_plain(self.banner, why if read_only else "")
        self.banner.setVisible(read_only)

    def focus_first(self) -> None:
        first = next(iter(self.criteria.values()), None)
        if first is not None:
            first.verdict.setFocus()

    def _edited(self, *_: object) -> None:
        if not self._restoring:
            self.changed.emit(self.verdict())
