"""Encryption that tests can catch: a fresh nonce every time, the context enforced, and a
case's own key (storage/crypto.py, storage/case_keys.py)."""

from __future__ import annotations

import base64

import pytest

from storage.crypto import PREFIX, Cipher, DecryptionError, new_key


def raw(token: str) -> bytes:
    return base64.urlsafe_b64decode(token[len(PREFIX) :].encode())


def test_the_same_value_encrypted_twice_gives_different_bytes_and_nonces() -> None:
    cipher = Cipher.from_text(new_key())
    tokens = [
        cipher.encrypt("Zebedee Quattlebaum", context="decision:BR-2026-0001") for _ in range(50)
    ]
    assert len(set(tokens)) == 50
    nonces = {raw(t)[:12] for t in tokens}
    assert len(nonces) == 50  # never reused: AES-GCM's one rule
    assert all(
        cipher.decrypt(t, context="decision:BR-2026-0001") == "Zebedee Quattlebaum" for t in tokens
    )


def test_a_value_sealed_for_one_case_or_column_does_not_open_for_another() -> None:
    cipher = Cipher.from_text(new_key())
    token = cipher.encrypt("a rationale", context="decision:BR-2026-0001")
    for other in ("decision:BR-2026-0002", "decision-views:BR-2026-0001", "", "decision:"):
        with pytest.raises(DecryptionError):
            cipher.decrypt(token, context=other)
    assert cipher.decrypt(token, context="decision:BR-2026-0001") == "a rationale"


def test_a_value_does_not_open_under_another_key_or_once_changed() -> None:
    cipher, other = Cipher.from_text(new_key()), Cipher.from_text(new_key())
    token = cipher.encrypt("a rationale", context="c")
    with pytest.raises(DecryptionError):
        other.decrypt(token, context="c")
    sealed = bytearray(raw(token))
    sealed[-1] ^= 1
    with pytest.raises(DecryptionError):
        cipher.decrypt(PREFIX + base64.urlsafe_b64encode(bytes(sealed)).decode(), context="c")
    with pytest.raises(DecryptionError):
        cipher.decrypt("a rationale", context="c")  # plain text is never taken as a value


def test_ciphertext_holds_no_plain_text() -> None:
    cipher = Cipher.from_text(new_key())
    token = cipher.encrypt("Larkspur Row", context="c")
    assert b"Larkspur" not in raw(token) and "Larkspur" not in token
