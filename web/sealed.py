"""The secret access key, sealed for the session store."""
from __future__ import annotations

import base64

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app


class SecretBox:
    """Seals secrets for the session store: Fernet, with a key derived from SECRET_KEY."""

    def __init__(self, secret_key: str) -> None:
        key = HKDF(algorithm=hashes.SHA256(), length=32, salt=b"kinesis-wizard", info=b"session secrets"
                   ).derive(secret_key.encode())
        self._fernet = Fernet(base64.urlsafe_b64encode(key))

    def seal(self, secret: str) -> str:
        return self._fernet.encrypt(secret.encode()).decode()

    def open(self, sealed: str) -> str:
        """The secret, or "" when the seal is broken (another SECRET_KEY, tampering)."""
        try:
            return self._fernet.decrypt(sealed.encode()).decode()
        except (InvalidToken, ValueError):
            return ""


def get_secret_box() -> SecretBox:
    """The app's box, keyed by its SECRET_KEY."""
    return current_app.extensions["secret_box"]
