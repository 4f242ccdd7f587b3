"""Reads kept for the rest of one transaction, in the session's ``info``, and forgotten
when it ends: what a transaction read is not trusted by the next one. The inner transactions
within it (each flush, a savepoint) leave its reads standing; a rollback does not.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

_NAMES: set[str] = set()  # every memo ever asked for, to forget them all at once


def memo(session: AsyncSession, name: str) -> dict[Any, Any]:
    """The transaction's memo ``name`` (made empty on first use)."""
    _NAMES.add(name)
    found: dict[Any, Any] = session.info.setdefault(name, {})
    return found


def forget(session: Session | AsyncSession, name: str, key: object = None) -> None:
    """Forget one entry of memo ``name`` (or, with no key, the whole memo)."""
    if key is None:
        session.info.pop(name, None)
    else:
        session.info.get(name, {}).pop(key, None)


def _forget_all(session: Session) -> None:
    for name in _NAMES:
        session.info.pop(name, None)


@event.listens_for(Session, "after_transaction_end")
def _transaction_ended(session: Session, transaction: Any) -> None:
    if transaction.parent is None:
        _forget_all(session)


@event.listens_for(Session, "after_soft_rollback")
def _rolled_back(session: Session, previous_transaction: Any) -> None:
    _forget_all(session)
