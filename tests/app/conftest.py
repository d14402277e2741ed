"""The app's tests against a real hub: the hub with the assessor ann, and ann signed in
on a real profile (store, keyring, vault), from tests/support/signed_in.py. The window
steps they share are in tests/support/app_desk.py."""

from support.signed_in import hub, session

__all__ = ["hub", "session"]
