"""Calibration in the desktop app: calibration sessions (the criteria x assessors matrix,
statistics in words, the facilitator's consensus), answer keys after upload and the
assessor's drift chart. ``install_calibration_menu`` adds the Calibration menu to the
main window."""
