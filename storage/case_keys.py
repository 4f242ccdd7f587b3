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


_KEPT = "_case_cipher"  # on the Case object: (master, wrapped key, the case's cipher)


def case_cipher(master: Cipher, case: Case) -> Cipher:
    """The case's own cipher, its key unwrapped with ``master``: once for each Case object
    (a status card or a press reads decisions, returns and the referral under it), and again
    if the wrapped key or the master key is not the one it was unwrapped from (rotation)."""
    if case.wrapped_key is None:
        raise CasePurged(case.reference)
    kept = case.__dict__.get(_KEPT)
    if kept is not None and kept[0] is master and kept[1] == case.wrapped_key:
        return kept[2]  # type: ignore[no-any-return]
    cipher = Cipher.from_text(master.decrypt(case.wrapped_key, context=key_context(case.reference)))
    case.__dict__[_KEPT] = (master, case.wrapped_key, cipher)
    return cipher
