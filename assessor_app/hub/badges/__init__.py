"""Open Badges 3.0 credentials: building the ``OpenBadgeCredential``, signing it as a
VC-JWT with the hub's Ed25519 issuer key, serving it, and verifying a saved copy."""
