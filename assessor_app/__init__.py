"""Assessor: offline-first scoring of micro-credential submissions."""
