"""The bounds of whole numbers Assessor stores, so a value from a file or a request that
no database column can hold is refused up front instead of failing deep in a write."""

from __future__ import annotations

MAX_COUNT = 2**31 - 1
"""Versions, attempts and other counts: SQLAlchemy ``Integer``, 32-bit on PostgreSQL."""

MAX_NUMBER = 2**63 - 1
"""Ids, cursors and byte sizes: ``BigInteger``, the widest column any store holds."""
