"""Unpadded base64url, as cursors and sync tokens carry their payload and signature.

Decoding is strict: only the exact text `encode` gives is read back. A lenient decoder ignores
the spare low bits of the last character, so several texts decode to the same bytes, and a
tampered token could pass its signature check by chance (one tampered character in sixteen).
"""

import base64
import binascii


def encode(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def decode(text: str) -> bytes:
    """The bytes `text` encodes; `binascii.Error` (a `ValueError`) unless `encode` gives it."""
    raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    if encode(raw) != text:
        raise binascii.Error("not the canonical base64url of its bytes")
    return raw
