"""The case's own key: each case's personal data is encrypted under a key of its own, itself
encrypted under the master key. A case whose key has been dropped can no longer be read
(``CasePurged``).
"""

from __future__ import annotations

from storage.crypto import Cipher
from storage.models import Case


class CasePurged(Exception):
    """The case's personal data was purged; nothing personal can be read any more."""


def key_context(reference: str) -> str:
    return f"case-key:{reference}"


def case_cipher(master: Cipher, case: Case) -> Cipher:
    if case.wrapped_key is None:
        raise CasePurged(case.reference)
    return Cipher.from_text(master.decrypt(case.wrapped_key, context=key_context(case.reference)))
