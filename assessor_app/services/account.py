"""Signing in to a hub and opening a profile: its store, its secrets and its vault.

One profile per hub account. The access token and the vault key live in the secret store
the profile's ``secret_store`` setting names (the OS keyring unless the assessor chose a
passphrase file); nothing secret is written anywhere else.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from assessor_app.domain import Artifact
from assessor_app.store import Profile, Store, open_store, profile_for, remember_last_profile
from assessor_app.store.secrets import (
    KeyringUnavailable,
    SecretStore,
    SecretStoreError,
    SecretStoreKind,
    open_secret_store,
)
from assessor_app.store.vault import Vault
from assessor_app.sync.client import HubClient, Timeouts
from assessor_app.sync.errors import AuthExpired, HubError
from assessor_app.sync.trouble import trouble_words

log = logging.getLogger(__name__)

SECRETS_FILE = "secrets.enc"
VAULT_DIR = "evidence"

ClientFactory = Callable[..., HubClient]


class SignInRequired(Exception):
    """The profile has no usable token: the assessor must sign in (again)."""


@dataclass
class ProfileSession:
    """An open profile. Close it when done; the store and vault stay on disk."""

    profile: Profile
    store: Store
    secrets: SecretStore
    vault: Vault
    client_factory: ClientFactory = HubClient

    @property
    def profile_id(self) -> str:
        return self.profile.directory.name

    def client(self, **options: Any) -> HubClient:
        """A new hub client with this profile's token (one per worker thread)."""
        token = self.secrets.get_token()
        if not token:
            raise SignInRequired("Sign in to the hub to sync.")
        ca = self.store.settings.ca_bundle()
        return self.client_factory(
            self.profile.hub_url, token, ca_bundle=Path(ca) if ca else None, **options
        )

    def open_evidence(self, artifact: Artifact) -> BinaryIO:
        """The artifact's content, decrypted as it is read from the vault (seekable)."""
        return self.vault.open(artifact.sha256)

    def export_evidence(self, artifact: Artifact, target: Path) -> None:
        """A decrypted copy at ``target``, only on the assessor's explicit request."""
        self.vault.export_copy(artifact.sha256, target)

    def close(self) -> None:
        self.store.close()


def _secret_store(
    profile: Profile, store: Store, kind: SecretStoreKind | None, passphrase: str | None
) -> SecretStore:
    chosen: SecretStoreKind = kind or store.settings.secret_store_kind() or "keyring"
    secrets = open_secret_store(
        chosen,
        profile.directory.name,
        secrets_file=profile.directory / SECRETS_FILE,
        passphrase=passphrase,
    )
    store.settings.set_secret_store_kind(chosen)
    return secrets


def open_profile(
    profile: Profile,
    *,
    secret_kind: SecretStoreKind | None = None,
    passphrase: str | None = None,
    client_factory: ClientFactory = HubClient,
) -> ProfileSession:
    """Open a profile's store, secrets and vault. Works offline; raises the secret
    store's errors (KeyringUnavailable, WrongPassphrase) for the caller to explain."""
    store = open_store(profile)
    try:
        secrets = _secret_store(profile, store, secret_kind, passphrase)
        vault = Vault(profile.directory / VAULT_DIR, secrets.get_or_create_vault_key())
    except BaseException:
        store.close()
        raise
    return ProfileSession(profile, store, secrets, vault, client_factory)


def sign_in(
    hub_url: str,
    username: str,
    password: str,
    *,
    secret_kind: SecretStoreKind | None = None,
    passphrase: str | None = None,
    ca_bundle: Path | None = None,
    client_factory: ClientFactory = HubClient,
) -> ProfileSession:
    """Exchange the password for a token, keep the token in the secret store and open
    the profile. The password is used once and never stored."""
    with client_factory(hub_url, ca_bundle=ca_bundle) as client:
        token = client.login(username, password)
        canonical_url = client.base_url
    profile = profile_for(canonical_url, username)
    session = open_profile(
        profile, secret_kind=secret_kind, passphrase=passphrase, client_factory=client_factory
    )
    session.secrets.set_token(token.access_token)
    if ca_bundle is not None:
        session.store.settings.set_ca_bundle(str(ca_bundle))
    remember_last_profile(profile)
    log.info("signed in to %s as %s", profile.hub_url, username)
    return session


def renew_sign_in(session: ProfileSession, password: str) -> ProfileSession:
    """Sign ``session``'s own account in again and keep the new token in its secret
    store; the store, the vault and queued decisions are not touched."""
    ca = session.store.settings.ca_bundle()
    with session.client_factory(
        session.profile.hub_url, ca_bundle=Path(ca) if ca else None
    ) as client:
        token = client.login(session.profile.username, password)
    session.secrets.set_token(token.access_token)
    return session


@dataclass(frozen=True)
class SignInProblem:
    """Why a sign-in failed, in the assessor's words. ``keyring_unavailable``: the
    system keyring cannot be used, so a passphrase file is the way on."""

    words: str
    keyring_unavailable: bool = False


def sign_in_problem(error: BaseException) -> SignInProblem | None:
    """What to tell the assessor when ``sign_in`` or ``renew_sign_in`` raised ``error``;
    None for an error that says nothing about signing in (a fault, to be raised)."""
    if isinstance(error, AuthExpired):
        return SignInProblem(
            "The hub did not accept that user name and password. Check them and retry."
        )
    if isinstance(error, KeyringUnavailable):
        return SignInProblem(str(error), keyring_unavailable=True)
    if isinstance(error, HubError):
        log.info("sign-in failed: %s", error)
        return SignInProblem(trouble_words(error))
    if isinstance(error, SecretStoreError | ValueError):
        return SignInProblem(str(error))
    return None


HUB_NOT_TOLD = (
    "The hub could not be reached, so it was not told: the sign-in is forgotten on this "
    "computer and ends at the hub when it expires."
)
"""Said after a sign-out the hub did not confirm, by the command line and the app alike."""

# Signing out must not hang on a hub that is away: one quick try, no retries.
SIGN_OUT_TIMEOUTS = Timeouts(connect=5.0, read=5.0, write=5.0, pool=5.0, reply=10.0)


def sign_out(session: ProfileSession, timeouts: Timeouts = SIGN_OUT_TIMEOUTS) -> bool:
    """Ask the hub to revoke the token, then forget it here whatever the hub said; scores,
    decisions and queued uploads stay on this computer. True when the hub no longer
    accepts the token; False when it could not be told (offline, say): the token then
    ends at its expiry."""
    revoked = False
    try:
        if session.secrets.get_token():
            with session.client(timeout=timeouts, max_retries=0) as client:
                client.logout()
            revoked = True
    except AuthExpired:
        revoked = True  # the hub had already let it go
    except (HubError, OSError, ValueError) as exc:
        log.info("could not tell the hub about the sign-out: %s", type(exc).__name__)
    finally:
        session.secrets.delete_token()
    log.info("signed out of %s (revoked at the hub: %s)", session.profile.hub_url, revoked)
    return revoked
