"""Where a profile's secrets live: its hub access token and its evidence-vault data key.

Two stores, chosen explicitly by the user through the ``secret_store`` setting:

* ``"keyring"`` (default): the operating system's keyring (Secret Service / GNOME Keyring
  or KWallet on Linux, Keychain on macOS, Credential Manager on Windows), service
  ``assessor-app``, entries ``token:<profile-id>`` and ``vault-key:<profile-id>``.
* ``"passphrase-file"``: one file per profile, encrypted with AES-256-GCM under a key
  derived from a passphrase with scrypt; the passphrase is asked for at each start.

When the keyring cannot be used, :class:`KeyringUnavailable` says so and names the
choices; nothing ever falls back silently to another store, and secrets are never written
in plaintext.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import json
import os
import secrets
import struct
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Literal, Protocol, TypeVar, runtime_checkable

import keyring
import keyring.backends.fail
import keyring.errors
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

__all__ = [
    "SECRET_STORE_KINDS",
    "SERVICE",
    "KeyringSecretStore",
    "KeyringUnavailable",
    "PassphraseFileSecretStore",
    "SecretStore",
    "SecretStoreError",
    "SecretStoreKind",
    "SecretsFileCorrupt",
    "WrongPassphrase",
    "open_secret_store",
]

SERVICE = "assessor-app"
SecretStoreKind = Literal["keyring", "passphrase-file"]
SECRET_STORE_KINDS: tuple[SecretStoreKind, ...] = ("keyring", "passphrase-file")
VAULT_KEY_BYTES = 32
_T = TypeVar("_T")

_CHOICES = (
    "You can: (1) unlock or start your system keyring (GNOME Keyring, KWallet, macOS "
    "Keychain or Windows Credential Manager) and try again; or (2) switch the setting "
    'secret_store to "passphrase-file", which keeps the sign-in token and the evidence '
    "key in a file encrypted with a passphrase you type each time the app starts."
)


class SecretStoreError(Exception):
    """A secret could not be read or written."""


class KeyringUnavailable(SecretStoreError):
    """The OS keyring cannot be used; the message says why and what the user can do."""


class WrongPassphrase(SecretStoreError):
    """The passphrase does not unlock the secrets file."""


class SecretsFileCorrupt(SecretStoreError):
    """The secrets file is not one this app wrote, or is damaged."""


@runtime_checkable
class SecretStore(Protocol):
    """The secrets of one profile."""

    def get_token(self) -> str | None: ...

    def set_token(self, token: str) -> None: ...

    def delete_token(self) -> None: ...

    def get_or_create_vault_key(self) -> bytes: ...


def _decode_key(encoded: str) -> bytes:
    try:
        key = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        key = b""
    if len(key) != VAULT_KEY_BYTES:
        # Never replace a damaged key with a new one: that would orphan the vault.
        raise SecretStoreError(
            "the stored evidence key is damaged; the evidence already downloaded cannot "
            "be decrypted and must be downloaded again after the profile is reset"
        )
    return key


def _check_profile_id(profile_id: str) -> str:
    if not profile_id or any(c in profile_id for c in "\r\n\0"):
        raise ValueError("a profile id must be a non-empty single-line string")
    return profile_id


class KeyringSecretStore:
    """Secrets of ``profile_id`` in the OS keyring (service ``assessor-app``)."""

    def __init__(self, profile_id: str, *, service: str = SERVICE) -> None:
        self.profile_id = _check_profile_id(profile_id)
        self.service = service
        self._token_entry = f"token:{profile_id}"
        self._key_entry = f"vault-key:{profile_id}"
        self._lock = threading.Lock()

    @staticmethod
    def check_available() -> None:
        """Raise KeyringUnavailable if no usable keyring backend is configured."""
        backend = keyring.get_keyring()
        if isinstance(backend, keyring.backends.fail.Keyring):
            raise KeyringUnavailable(f"No system keyring is available on this computer. {_CHOICES}")

    def _call(self, what: str, fn: Callable[..., _T], *args: str) -> _T:
        self.check_available()
        try:
            return fn(self.service, *args)
        except keyring.errors.KeyringLocked:
            raise KeyringUnavailable(
                f"The system keyring is locked, so the app could not {what}. {_CHOICES}"
            ) from None
        except keyring.errors.PasswordDeleteError:
            raise
        except Exception as exc:
            # Backends raise their own types (D-Bus errors, prompts dismissed, ...): all of
            # them mean the keyring cannot be used right now. Only the type is reported;
            # messages of some backends echo arguments.
            raise KeyringUnavailable(
                f"The system keyring failed ({type(exc).__name__}), so the app could not "
                f"{what}. {_CHOICES}"
            ) from None

    def get_token(self) -> str | None:
        return self._call("read the sign-in token", keyring.get_password, self._token_entry)

    def set_token(self, token: str) -> None:
        if not token:
            raise ValueError("an empty token cannot be stored")
        self._call("store the sign-in token", keyring.set_password, self._token_entry, token)

    def delete_token(self) -> None:
        # PasswordDeleteError means no token is stored: already signed out.
        with contextlib.suppress(keyring.errors.PasswordDeleteError):
            self._call("remove the sign-in token", keyring.delete_password, self._token_entry)

    def get_or_create_vault_key(self) -> bytes:
        with self._lock:
            stored = self._call("read the evidence key", keyring.get_password, self._key_entry)
            if stored is not None:
                return _decode_key(stored)
            key = secrets.token_bytes(VAULT_KEY_BYTES)
            encoded = base64.b64encode(key).decode("ascii")
            self._call("store the evidence key", keyring.set_password, self._key_entry, encoded)
            # Read back: a backend that accepted the write but cannot return it would
            # otherwise make every evidence file unreadable after a restart.
            if self._call("read the evidence key", keyring.get_password, self._key_entry) != (
                encoded
            ):
                raise KeyringUnavailable(
                    f"The system keyring did not keep the evidence key. {_CHOICES}"
                )
            return key


# File layout: magic | version | log2(n) | r | p | salt (16) | nonce (12) | AES-GCM(JSON),
# with everything before the ciphertext as associated data.
_FILE_MAGIC = b"ASECRETS"
_FILE_VERSION = 1
_FILE_HEADER = struct.Struct(">8sBBBB16s12s")
DEFAULT_SCRYPT_LOG2_N = 17  # OWASP's scrypt recommendation (N=2^17, r=8, p=1)


class PassphraseFileSecretStore:
    """Secrets of one profile in ``path``, encrypted under a passphrase.

    The file is created (0600) on the first write. If it exists, the passphrase is
    checked at once: a wrong one raises WrongPassphrase here rather than later.
    """

    def __init__(
        self, path: Path, passphrase: str, *, scrypt_log2_n: int = DEFAULT_SCRYPT_LOG2_N
    ) -> None:
        if not passphrase:
            raise ValueError("the passphrase must not be empty")
        if not 10 <= scrypt_log2_n <= 22:
            raise ValueError("scrypt_log2_n must be between 10 and 22")
        self.path = Path(path)
        self._passphrase = passphrase.encode("utf-8")
        self._log2_n = scrypt_log2_n
        self._lock = threading.Lock()
        self._salt: bytes | None = None
        self._key: bytes | None = None
        self._data: dict[str, str | None] = {"token": None, "vault_key": None}
        if self.path.exists():
            self._load()

    def __repr__(self) -> str:
        return f"PassphraseFileSecretStore({str(self.path)!r})"

    def _derive(self, salt: bytes, log2_n: int, r: int, p: int) -> bytes:
        return Scrypt(salt=salt, length=32, n=2**log2_n, r=r, p=p).derive(self._passphrase)

    def _load(self) -> None:
        raw = self.path.read_bytes()
        if len(raw) < _FILE_HEADER.size + 16:
            raise SecretsFileCorrupt(f"{self.path} is too short to be a secrets file")
        magic, version, log2_n, r, p, salt, nonce = _FILE_HEADER.unpack_from(raw)
        if magic != _FILE_MAGIC or version != _FILE_VERSION:
            raise SecretsFileCorrupt(f"{self.path} is not an Assessor secrets file")
        if not (10 <= log2_n <= 22 and 1 <= r <= 32 and 1 <= p <= 16):
            raise SecretsFileCorrupt(f"{self.path} has invalid key-derivation parameters")
        key = self._derive(salt, log2_n, r, p)
        header = raw[: _FILE_HEADER.size]
        try:
            plain = AESGCM(key).decrypt(nonce, raw[_FILE_HEADER.size :], header)
        except InvalidTag:
            # GCM cannot tell a wrong passphrase from a damaged file; a wrong
            # passphrase is by far the likelier cause.
            raise WrongPassphrase(
                f"The passphrase does not unlock {self.path} (or the file is damaged)."
            ) from None
        try:
            data = json.loads(plain)
        except ValueError:
            raise SecretsFileCorrupt(f"{self.path} holds unreadable data") from None
        if not isinstance(data, dict):
            raise SecretsFileCorrupt(f"{self.path} holds unreadable data")
        self._salt, self._key, self._log2_n = salt, key, log2_n
        self._data = {
            "token": data.get("token") if isinstance(data.get("token"), str) else None,
            "vault_key": data.get("vault_key") if isinstance(data.get("vault_key"), str) else None,
        }

    def _save(self) -> None:
        if self._key is None or self._salt is None:
            self._salt = secrets.token_bytes(16)
            self._key = self._derive(self._salt, self._log2_n, 8, 1)
        nonce = secrets.token_bytes(12)
        header = _FILE_HEADER.pack(
            _FILE_MAGIC, _FILE_VERSION, self._log2_n, 8, 1, self._salt, nonce
        )
        sealed = AESGCM(self._key).encrypt(nonce, json.dumps(self._data).encode("utf-8"), header)
        self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        tmp = self.path.with_name(f".{self.path.name}.{secrets.token_hex(4)}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(header + sealed)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, self.path)
        finally:
            tmp.unlink(missing_ok=True)

    def get_token(self) -> str | None:
        with self._lock:
            return self._data["token"]

    def set_token(self, token: str) -> None:
        if not token:
            raise ValueError("an empty token cannot be stored")
        with self._lock:
            self._data["token"] = token
            self._save()

    def delete_token(self) -> None:
        with self._lock:
            if self._data["token"] is not None:
                self._data["token"] = None
                self._save()

    def get_or_create_vault_key(self) -> bytes:
        with self._lock:
            stored = self._data["vault_key"]
            if stored is not None:
                return _decode_key(stored)
            key = secrets.token_bytes(VAULT_KEY_BYTES)
            self._data["vault_key"] = base64.b64encode(key).decode("ascii")
            self._save()
            return key


def open_secret_store(
    kind: SecretStoreKind,
    profile_id: str,
    *,
    secrets_file: Path | None = None,
    passphrase: str | None = None,
) -> SecretStore:
    """The store the ``secret_store`` setting names. For ``"keyring"`` the keyring is
    checked at once (KeyringUnavailable); ``"passphrase-file"`` needs the file's path and
    the passphrase the user typed."""
    if kind == "keyring":
        KeyringSecretStore.check_available()
        return KeyringSecretStore(profile_id)
    if kind == "passphrase-file":
        if secrets_file is None or passphrase is None:
            raise ValueError("a passphrase-file store needs secrets_file and passphrase")
        return PassphraseFileSecretStore(secrets_file, passphrase)
    raise ValueError(f"unknown secret store {kind!r}; choose one of {SECRET_STORE_KINDS}")
