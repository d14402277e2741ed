"""Fixtures for the calibration tests; the shared scene and helpers live in
``calibration_kit`` (a uniquely named module, so test files can import it safely)."""

from calibration_kit import real_hub, scene, scored, unreachable_port

__all__ = ["real_hub", "scene", "scored", "unreachable_port"]
