"""The sign-in dialog: hub address, user name, password, and where secrets are kept.

The password is sent once to the hub (off the GUI thread) and never stored. Given an open
``renew`` session (an expired token), the dialog signs that same profile in again in
place: the hub and user are fixed, the new token goes to the profile's own secret store,
and the store, the vault and queued decisions are not touched.
"""

from __future__ import annotations

from assessor_app.services.account import (
    ProfileSession,
    renew_sign_in,
    sign_in,
    sign_in_problem,
)
from assessor_app.ui.background import Executor
from assessor_app.ui.plain_text import set_plain
from assessor_app.ui.qt import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)
from assessor_app.ui.screen_fit import fit_dialog

# Where the token is kept: the secret store kinds ``sign_in`` accepts, in the user's words.
_STORES: list[tuple[str, str]] = [
    ("keyring", "System keyring (recommended)"),
    ("passphrase-file", "A file protected by a passphrase I type at each start"),
]


class SignInDialog(QDialog):
    def __init__(
        self,
        executor: Executor,
        *,
        hub_url: str = "",
        username: str = "",
        store_kind: str | None = None,
        message: str = "",
        renew: ProfileSession | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Sign in again" if renew else "Sign in to your hub")
        self._executor = executor
        self._renew = renew
        self.session: ProfileSession | None = None
        if renew is not None:
            hub_url, username = renew.profile.hub_url, renew.profile.username
        self.url = QLineEdit(hub_url, self)
        self.url.setPlaceholderText("https://hub.example.org")
        self.url.setAccessibleName("Hub address")
        self.user = QLineEdit(username, self)
        self.user.setAccessibleName("User name")
        self.password = QLineEdit(self)
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setAccessibleName("Password")
        self.store_choice = QComboBox(self)
        self.store_choice.setAccessibleName("Where to keep the sign-in token")
        for key, label in _STORES:
            self.store_choice.addItem(label, key)
        self.store_choice.currentIndexChanged.connect(self._store_changed)
        self.passphrase = QLineEdit(self)
        self.passphrase.setEchoMode(QLineEdit.EchoMode.Password)
        self.passphrase.setAccessibleName("Passphrase")
        self.passphrase.setEnabled(False)
        self.message = QLabel(message, self)
        self.message.setWordWrap(True)
        self.message.setAccessibleName("Sign-in message")
        if store_kind is not None:
            self.store_choice.setCurrentIndex([k for k, _ in _STORES].index(store_kind))
        form = QFormLayout()
        form.addRow("Hub address", self.url)
        form.addRow("User name", self.user)
        form.addRow("Password", self.password)
        if renew is None:
            form.addRow("Keep the token in", self.store_choice)
            form.addRow("Passphrase", self.passphrase)
        else:
            # Another account would be another profile: that needs a fresh start.
            self.url.setReadOnly(True)
            self.user.setReadOnly(True)
            self.store_choice.hide()
            self.passphrase.hide()
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Sign in")
        self.buttons.accepted.connect(self._submit)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)
        fit_dialog(self, 420)
        (self.password if hub_url and username else self.url).setFocus()

    def _store_changed(self) -> None:
        self.passphrase.setEnabled(self.store_choice.currentData() == "passphrase-file")

    def _submit(self) -> None:
        url, user = self.url.text().strip(), self.user.text().strip()
        password = self.password.text()
        kind = self.store_choice.currentData()
        passphrase = self.passphrase.text() or None
        if not url or not user or not password:
            self.message.setText("Fill in the hub address, your user name and your password.")
            return
        if kind == "passphrase-file" and not passphrase:
            self.message.setText("Choose a passphrase to protect the token file.")
            return
        self.buttons.setEnabled(False)
        self.message.setText("Signing in…")
        renew = self._renew
        if renew is not None:
            self._executor.submit(
                lambda: renew_sign_in(renew, password),
                success=self._signed_in,
                failure=self._failed,
            )
            return
        self._executor.submit(
            lambda: sign_in(url, user, password, secret_kind=kind, passphrase=passphrase),
            success=self._signed_in,
            failure=self._failed,
        )

    def _signed_in(self, session: ProfileSession) -> None:
        self.session = session
        self.accept()

    def _failed(self, error: BaseException) -> None:
        self.buttons.setEnabled(True)
        problem = sign_in_problem(error)
        if problem is None:
            raise error
        if problem.keyring_unavailable and self._renew is None:
            self.store_choice.setCurrentIndex(1)  # the passphrase file
        set_plain(self.message, problem.words)  # the words may quote the hub's problem title
