"""Calibration on the hub: blind peer sessions, keyed items, agreement results, consensus
and per-credential qualification of assessors."""
