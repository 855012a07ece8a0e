"""Unpadded base64url, and the `payload.signature` tokens written with it: cursors, sync tokens.

Decoding is strict: only the exact text `encode` gives is read back. A lenient decoder ignores
the spare low bits of the last character, so one token had sixteen spellings, and a changed last
character passed the signature check one time in four: not a forgery (the signature's own bits
still had to match), but a token that is not what was issued must be refused, not read.
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


def signed(payload: bytes, signature: bytes) -> str:
    """A token: `payload.signature`, both encoded."""
    return f"{encode(payload)}.{encode(signature)}"


def opened(token: str) -> tuple[bytes, bytes]:
    """A `signed` token's payload and signature, unchecked; a `ValueError` if it is not one."""
    payload_text, signature_text = token.split(".")
    return decode(payload_text), decode(signature_text)
