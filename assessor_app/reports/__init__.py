"""Reports from domain objects only: the educator feedback PDF, readable citation
references and the assessor's decisions as CSV. No database, no Qt, no network."""

from assessor_app.reports.citations import describe_citation, describe_citations, trim_quote
from assessor_app.reports.csv_export import COLUMNS, DecisionRow, write_decisions_csv
from assessor_app.reports.feedback_report import build_feedback_report

__all__ = [
    "COLUMNS",
    "DecisionRow",
    "build_feedback_report",
    "describe_citation",
    "describe_citations",
    "trim_quote",
    "write_decisions_csv",
]
