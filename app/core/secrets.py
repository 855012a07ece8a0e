"""Secrets at rest: webhook signing secrets and CRM credentials, encrypted with one key (Fernet).

Generated signing secrets are `whsec_` + base64 of 32 random bytes. The key is
`HANDOVER_WEBHOOK_ENCRYPTION_KEY`, or else derived from the service's secret key; the derivation's
label names webhooks because they were its first users, and changing it would orphan every
stored secret.
"""

import base64
import hashlib
import secrets

from cryptography.fernet import Fernet

from app.settings import Settings

SECRET_PREFIX = "whsec_"  # noqa: S105 - a prefix, not a secret


def generate_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def _fernet(settings: Settings) -> Fernet:
    if settings.webhook_encryption_key is not None:
        return Fernet(settings.webhook_encryption_key.get_secret_value().encode())
    # Derived from the service's secret key: one secret to manage, still never stored plainly.
    seed = hashlib.sha256(
        b"handover webhook secrets|" + settings.secret_key.get_secret_value().encode()
    )
    return Fernet(base64.urlsafe_b64encode(seed.digest()))


def encrypt_secret(secret: str, settings: Settings) -> bytes:
    return _fernet(settings).encrypt(secret.encode())


def decrypt_secret(blob: bytes, settings: Settings) -> str:
    return _fernet(settings).decrypt(blob).decode()
