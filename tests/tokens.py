"""Tokens tampered with in a way a lenient base64 decoder would not notice."""

import string

BASE64URL = string.ascii_uppercase + string.ascii_lowercase + string.digits + "-_"


def with_spare_bits_set(token: str) -> str:
    """`token` with its last character changed only in the bits its 16-byte signature leaves
    spare: decoded leniently, the very same signature."""
    last = BASE64URL.index(token[-1])
    assert last & 0b1111 == 0, token  # an encoder writes the spare bits clear
    return token[:-1] + BASE64URL[last | 0b0101]
