"""Reads kept for the rest of one transaction, in the session's ``info``, and forgotten
when it ends: what a transaction read is not trusted by the next one. The inner transactions
within it (each flush, a savepoint) leave its reads standing; a rollback does not.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

_READS = "reads"  # session.info: memo name -> its entries


def memo(session: Session | AsyncSession, name: str) -> dict[Any, Any]:
    """The transaction's memo ``name`` (made empty on first use)."""
    found: dict[Any, Any] = session.info.setdefault(_READS, {}).setdefault(name, {})
    return found


def forget(session: Session | AsyncSession, name: str, key: object = None) -> None:
    """Forget one entry of memo ``name`` (or, with no key, the whole memo)."""
    reads = session.info.get(_READS, {})
    if key is None:
        reads.pop(name, None)
    else:
        reads.get(name, {}).pop(key, None)


@event.listens_for(Session, "after_transaction_end")
def _transaction_ended(session: Session, transaction: Any) -> None:
    if transaction.parent is None:
        session.info.pop(_READS, None)


@event.listens_for(Session, "after_soft_rollback")
def _rolled_back(session: Session, previous_transaction: Any) -> None:
    session.info.pop(_READS, None)
