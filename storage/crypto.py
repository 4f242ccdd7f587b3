"""Personal data at rest: AES-256-GCM (authenticated) from the ``cryptography`` package.

Tokens look like ``v1:<base64url(nonce || ciphertext+tag)>``. Each is bound to a context
string (what the field is), so a value copied into another column fails to decrypt.
Nothing searches by these fields.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import os
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

PREFIX = "v1:"
KEY_BYTES = 32


class DataKeyError(ValueError):
    """The data key is missing or malformed."""


class DecryptionError(ValueError):
    """A stored value does not decrypt with this key and context (tampered or wrong key)."""


def new_key() -> str:
    """A fresh key, as the text DATA_KEY holds (base64url of 32 random bytes)."""
    return base64.urlsafe_b64encode(os.urandom(KEY_BYTES)).decode()


def parse_key(text: str) -> bytes:
    try:
        key = base64.urlsafe_b64decode(text.strip().encode())
    except (binascii.Error, ValueError):
        raise DataKeyError(
            "DATA_KEY is not base64: generate one with `python -m bot key new`"
        ) from None
    if len(key) != KEY_BYTES:
        raise DataKeyError(f"DATA_KEY must decode to {KEY_BYTES} bytes, not {len(key)}")
    return key


class Cipher:
    """AES-256-GCM under the master key; during a rotation, older keys too (``new,old`` in
    DATA_KEY): writes under the first, reads under whichever opens the value."""

    def __init__(self, key: bytes, *older: bytes) -> None:
        for each in (key, *older):
            if len(each) != KEY_BYTES:
                raise DataKeyError(f"the data key must be {KEY_BYTES} bytes")
        self._aeads = [AESGCM(each) for each in (key, *older)]
        self._mac_key = hashlib.sha256(b"mac-key:" + key).digest()
        # Names the current key in the audit log and in messages (never the key itself).
        self.current_id = hashlib.sha256(b"key-id:" + key).hexdigest()[:12]

    @classmethod
    def from_text(cls, text: str) -> Cipher:
        """One key, or (rotating) the new key, a comma, and the old one."""
        keys = [parse_key(part) for part in text.split(",") if part.strip()]
        if not keys:
            raise DataKeyError("DATA_KEY is empty: generate one with `python -m bot key new`")
        return cls(*keys)

    def mac(self, purpose: str, message: str) -> str:
        """An HMAC-SHA256 of ``message`` for ``purpose``, under a key derived from the current
        master key (a download link's signature): hex, 64 characters."""
        key = hmac.new(self._mac_key, purpose.encode(), hashlib.sha256).digest()
        return hmac.new(key, message.encode(), hashlib.sha256).hexdigest()

    @property
    def rotating(self) -> bool:
        return len(self._aeads) > 1

    def encrypt(self, plaintext: str, *, context: str) -> str:
        nonce = os.urandom(12)
        sealed = self._aeads[0].encrypt(nonce, plaintext.encode(), context.encode())
        return PREFIX + base64.urlsafe_b64encode(nonce + sealed).decode()

    def _open(self, token: str, context: str, keys: list[AESGCM]) -> str:
        if not token.startswith(PREFIX):
            raise DecryptionError("not an encrypted value")
        try:
            raw = base64.urlsafe_b64decode(token[len(PREFIX) :].encode())
        except (binascii.Error, ValueError):
            raise DecryptionError(f"value for {context} does not decrypt") from None
        for aead in keys:
            try:
                return aead.decrypt(raw[:12], raw[12:], context.encode()).decode()
            except (InvalidTag, ValueError):
                continue
        raise DecryptionError(f"value for {context} does not decrypt")

    def decrypt(self, token: str, *, context: str) -> str:
        return self._open(token, context, self._aeads)

    def opens_with_current(self, token: str, *, context: str) -> bool:
        """Whether ``token`` is sealed under the current key (rotation skips it)."""
        try:
            self._open(token, context, self._aeads[:1])
        except DecryptionError:
            return False
        return True

    def encrypt_json(self, value: Any, *, context: str) -> str:
        return self.encrypt(
            json.dumps(value, sort_keys=True, separators=(",", ":")), context=context
        )

    def decrypt_json(self, token: str, *, context: str) -> Any:
        return json.loads(self.decrypt(token, context=context))
