"""Secret storage: the keyring store (in-memory backend, the fail backend, an erroring
backend, a real Secret Service in a private D-Bus session) and the passphrase file."""

from __future__ import annotations

import base64
import os
import shutil
import stat
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import keyring
import keyring.backend
import keyring.backends.fail
import keyring.errors
import pytest

from assessor_app.store.secrets import (
    SERVICE,
    KeyringSecretStore,
    KeyringUnavailable,
    PassphraseFileSecretStore,
    SecretsFileCorrupt,
    SecretStore,
    SecretStoreError,
    WrongPassphrase,
    open_secret_store,
)

REPO = Path(__file__).resolve().parents[2]
TOKEN = "tok_4f9a1c7e2b8d_secret-bearer-value"
FAST = 14  # scrypt cost for tests; one test below uses the default cost


def test_keyring_store_round_trip(memory_keyring) -> None:  # type: ignore[no-untyped-def]
    store = KeyringSecretStore("hub.example.org-alice")
    assert isinstance(store, SecretStore)
    assert store.get_token() is None
    store.set_token(TOKEN)
    assert memory_keyring.secrets[(SERVICE, "token:hub.example.org-alice")] == TOKEN
    assert KeyringSecretStore("hub.example.org-alice").get_token() == TOKEN
    store.delete_token()
    assert store.get_token() is None
    store.delete_token()  # signing out twice is fine


def test_profiles_do_not_share_secrets(memory_keyring) -> None:  # type: ignore[no-untyped-def]
    a, b = KeyringSecretStore("a"), KeyringSecretStore("b")
    a.set_token(TOKEN)
    assert b.get_token() is None
    assert a.get_or_create_vault_key() != b.get_or_create_vault_key()


def test_vault_key_created_once_and_kept(memory_keyring) -> None:  # type: ignore[no-untyped-def]
    key = KeyringSecretStore("p").get_or_create_vault_key()
    assert len(key) == 32
    assert base64.b64decode(memory_keyring.secrets[(SERVICE, "vault-key:p")]) == key
    assert KeyringSecretStore("p").get_or_create_vault_key() == key


def test_damaged_vault_key_is_not_replaced(memory_keyring) -> None:  # type: ignore[no-untyped-def]
    memory_keyring.secrets[(SERVICE, "vault-key:p")] = "not base64!"
    with pytest.raises(SecretStoreError, match="damaged"):
        KeyringSecretStore("p").get_or_create_vault_key()
    assert memory_keyring.secrets[(SERVICE, "vault-key:p")] == "not base64!"


def test_fail_backend_raises_keyring_unavailable_with_choices() -> None:
    keyring.set_keyring(keyring.backends.fail.Keyring())
    store = KeyringSecretStore("p")
    for call in (store.get_token, lambda: store.set_token(TOKEN), store.get_or_create_vault_key):
        with pytest.raises(KeyringUnavailable) as info:
            call()
        assert "No system keyring" in str(info.value)
        assert "passphrase-file" in str(info.value)
    with pytest.raises(KeyringUnavailable):
        open_secret_store("keyring", "p")


class _BrokenKeyring(keyring.backend.KeyringBackend):
    priority = 1  # type: ignore[assignment]

    def __init__(self, error: Exception) -> None:
        super().__init__()
        self.error = error

    def get_password(self, service: str, username: str) -> str | None:
        raise self.error

    def set_password(self, service: str, username: str, password: str) -> None:
        raise self.error

    def delete_password(self, service: str, username: str) -> None:
        raise self.error


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (keyring.errors.KeyringLocked("locked"), "locked"),
        (keyring.errors.NoKeyringError("none"), "failed (NoKeyringError)"),
        (RuntimeError(f"D-Bus said no to {TOKEN}"), "failed (RuntimeError)"),
    ],
)
def test_locked_or_erroring_backend(error: Exception, expected: str) -> None:
    keyring.set_keyring(_BrokenKeyring(error))
    store = KeyringSecretStore("p")
    with pytest.raises(KeyringUnavailable) as info:
        store.set_token(TOKEN)
    assert expected in str(info.value)
    assert TOKEN not in str(info.value)
    with pytest.raises(KeyringUnavailable):
        store.delete_token()


def test_passphrase_file_round_trip_and_no_plaintext(tmp_path: Path) -> None:
    path = tmp_path / "profiles" / "p" / "secrets.bin"
    store = PassphraseFileSecretStore(path, "correct horse", scrypt_log2_n=FAST)
    assert not path.exists()
    store.set_token(TOKEN)
    key = store.get_or_create_vault_key()
    raw = path.read_bytes()
    assert TOKEN.encode() not in raw
    assert key not in raw
    assert base64.b64encode(key) not in raw
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    reopened = PassphraseFileSecretStore(path, "correct horse", scrypt_log2_n=FAST)
    assert reopened.get_token() == TOKEN
    assert reopened.get_or_create_vault_key() == key
    reopened.delete_token()
    assert PassphraseFileSecretStore(path, "correct horse").get_token() is None
    assert [p.name for p in path.parent.iterdir()] == ["secrets.bin"]


def test_wrong_passphrase_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "secrets.bin"
    PassphraseFileSecretStore(path, "right", scrypt_log2_n=FAST).set_token(TOKEN)
    with pytest.raises(WrongPassphrase, match="passphrase does not unlock"):
        PassphraseFileSecretStore(path, "wrong")


def test_foreign_or_damaged_file(tmp_path: Path) -> None:
    path = tmp_path / "secrets.bin"
    path.write_bytes(b'{"token": "plain"}' * 4)
    with pytest.raises(SecretsFileCorrupt):
        PassphraseFileSecretStore(path, "pw")
    PassphraseFileSecretStore(path.with_name("s2"), "pw", scrypt_log2_n=FAST).set_token(TOKEN)
    raw = bytearray(path.with_name("s2").read_bytes())
    raw[-1] ^= 1
    path.with_name("s2").write_bytes(bytes(raw))
    with pytest.raises(WrongPassphrase):
        PassphraseFileSecretStore(path.with_name("s2"), "pw")


def test_default_cost_file(tmp_path: Path) -> None:
    store = open_secret_store(
        "passphrase-file", "p", secrets_file=tmp_path / "s.bin", passphrase="long passphrase"
    )
    store.set_token(TOKEN)
    assert PassphraseFileSecretStore(tmp_path / "s.bin", "long passphrase").get_token() == TOKEN


def test_empty_passphrase_and_unknown_kind(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        PassphraseFileSecretStore(tmp_path / "s", "")
    with pytest.raises(ValueError):
        open_secret_store("plaintext", "p")  # type: ignore[arg-type]


# -- a real Secret Service ---------------------------------------------------------------

CHILD = textwrap.dedent(
    """
    import keyring
    from assessor_app.store.secrets import KeyringSecretStore

    backend = keyring.get_keyring()
    store = KeyringSecretStore("integration-profile")
    store.set_token("tok-real-secret-service")
    assert KeyringSecretStore("integration-profile").get_token() == "tok-real-secret-service"
    key = store.get_or_create_vault_key()
    assert KeyringSecretStore("integration-profile").get_or_create_vault_key() == key
    store.delete_token()
    assert store.get_token() is None
    print("BACKEND", type(backend).__module__, type(backend).__name__)
    print("OK")
    """
)


@pytest.fixture
def private_home(tmp_path: Path) -> Iterator[dict[str, str]]:
    home = tmp_path / "home"
    runtime = tmp_path / "run"
    for d in (home, runtime):
        d.mkdir(mode=0o700)
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DBUS_", "PYTHON_KEYRING", "GNOME_KEYRING", "XDG_"))
    }
    env.update(
        HOME=str(home),
        XDG_RUNTIME_DIR=str(runtime),
        XDG_DATA_HOME=str(home / ".local" / "share"),
        XDG_CONFIG_HOME=str(home / ".config"),
        PYTHONPATH=str(REPO),
    )
    yield env


def test_real_secret_service_in_private_dbus_session(
    tmp_path: Path, private_home: dict[str, str]
) -> None:
    dbus_run_session = shutil.which("dbus-run-session")
    daemon = shutil.which("gnome-keyring-daemon")
    assert dbus_run_session, "dbus-run-session is missing: install the dbus package"
    assert daemon, "gnome-keyring-daemon is missing: install the gnome-keyring package"
    script = tmp_path / "child.py"
    script.write_text(CHILD)
    shell = (
        f"echo -n pw | {daemon} --unlock --components=secrets >/dev/null; "
        f'"{sys.executable}" "{script}"'
    )
    result = subprocess.run(
        [dbus_run_session, "--", "sh", "-c", shell],
        env=private_home,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "BACKEND keyring.backends.SecretService Keyring" in result.stdout
    assert result.stdout.strip().endswith("OK")
    # The Secret Service keeps its own files encrypted: the token is in none of them.
    home = Path(private_home["HOME"])
    files = [p for p in home.rglob("*") if p.is_file()]
    assert files, "gnome-keyring wrote no keyring file"
    assert not [p for p in files if b"tok-real-secret-service" in p.read_bytes()]
