"""Reports from domain objects only: the educator feedback PDF and the assessor's
decisions as CSV. No database, no Qt, no network. (Citations are put into words by
``domain/citations.py``, for the report and the screen alike.)"""

from assessor_app.reports.csv_export import COLUMNS, DecisionRow, write_decisions_csv
from assessor_app.reports.feedback_report import build_feedback_report

__all__ = [
    "COLUMNS",
    "DecisionRow",
    "build_feedback_report",
    "write_decisions_csv",
]
