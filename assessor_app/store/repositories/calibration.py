"""Calibration results kept on this computer, so they stay visible offline: the answer
key of each uploaded calibration assignment, and the last seen detail and results of each
calibration session.

Payloads are kept as the hub sent them (JSON); the calibration service validates them
against the wire schemas when it reads them back, so a newer hub's extra fields never
make an older cache unreadable here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select

from assessor_app.store.models import (
    AssignmentRow,
    CalibrationKeyRow,
    CalibrationSessionRow,
    utcnow,
)
from assessor_app.store.repositories._common import Repository, get_assignment


@dataclass(frozen=True)
class CachedKey:
    assignment_id: str
    payload: dict[str, Any]
    fetched_at: datetime


@dataclass(frozen=True)
class CachedSession:
    session_id: str
    detail: dict[str, Any]
    results: dict[str, Any] | None
    fetched_at: datetime


class CalibrationCache(Repository):
    # -- answer keys ---------------------------------------------------------------------

    def put_key(
        self, assignment_id: str, payload: dict[str, Any], at: datetime | None = None
    ) -> None:
        """Keep (or replace) the key of a known assignment."""
        with self._db.transaction() as session:
            get_assignment(session, assignment_id)
            session.merge(
                CalibrationKeyRow(
                    assignment_id=assignment_id, payload=payload, fetched_at=at or utcnow()
                )
            )

    def key(self, assignment_id: str) -> CachedKey | None:
        with self._db.reading() as session:
            row = session.get(CalibrationKeyRow, assignment_id)
            return (
                None if row is None else CachedKey(row.assignment_id, row.payload, row.fetched_at)
            )

    def all_keys(self) -> list[CachedKey]:
        """Every cached key, oldest fetch first."""
        query = select(CalibrationKeyRow).order_by(
            CalibrationKeyRow.fetched_at, CalibrationKeyRow.assignment_id
        )
        with self._db.reading() as session:
            return [
                CachedKey(r.assignment_id, r.payload, r.fetched_at) for r in session.scalars(query)
            ]

    def calibration_assignments_without_key(self, states: frozenset[str]) -> list[str]:
        """Calibration assignments in one of ``states`` whose key is not here yet."""
        query = (
            select(AssignmentRow.id)
            .outerjoin(CalibrationKeyRow, CalibrationKeyRow.assignment_id == AssignmentRow.id)
            .where(
                AssignmentRow.kind == "calibration",
                AssignmentRow.local_state.in_(sorted(states)),
                CalibrationKeyRow.assignment_id.is_(None),
            )
            .order_by(AssignmentRow.assigned_at, AssignmentRow.id)
        )
        with self._db.reading() as session:
            return list(session.scalars(query))

    # -- sessions ------------------------------------------------------------------------

    def put_session(
        self,
        session_id: str,
        detail: dict[str, Any],
        results: dict[str, Any] | None = None,
        at: datetime | None = None,
    ) -> None:
        """Keep the session's detail; results already kept stay unless new ones are given
        (a session never goes back to hiding its results)."""
        with self._db.transaction() as session:
            row = session.get(CalibrationSessionRow, session_id)
            if row is None:
                row = CalibrationSessionRow(id=session_id)
                session.add(row)
            row.detail = detail
            if results is not None:
                row.results = results
            row.fetched_at = at or utcnow()

    def session(self, session_id: str) -> CachedSession | None:
        with self._db.reading() as session:
            row = session.get(CalibrationSessionRow, session_id)
            return None if row is None else _cached_session(row)

    def sessions(self) -> list[CachedSession]:
        query = select(CalibrationSessionRow).order_by(CalibrationSessionRow.id)
        with self._db.reading() as session:
            return [_cached_session(r) for r in session.scalars(query)]


def _cached_session(row: CalibrationSessionRow) -> CachedSession:
    return CachedSession(row.id, row.detail, row.results, row.fetched_at)
