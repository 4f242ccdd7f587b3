"""Staff: the directory learned from Teams, and role assignments."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import bindparam, case, func, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from storage import read_memo
from storage.db import upsert
from storage.models import CaseRequest, Person, RoleAssignment
from workflow.roles import CASE_ONLY, REQUEST_ROLES


async def save_person(
    *, session: AsyncSession, aad_object_id: str, teams_user_id: str, name: str, now: datetime
) -> None:
    """Remember a member of staff, in one statement (two first activities from one person may
    arrive at once). An empty ``name`` never replaces a known one: reactions, install events
    and read receipts carry no name."""
    statement = upsert(session, Person).values(
        aad_object_id=aad_object_id, teams_user_id=teams_user_id, name=name, updated_at=now
    )
    excluded = statement.excluded
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=["aad_object_id"],
            set_={
                "teams_user_id": case(
                    (excluded.teams_user_id != "", excluded.teams_user_id),
                    else_=Person.teams_user_id,
                ),
                "name": case((excluded.name != "", excluded.name), else_=Person.name),
                "updated_at": excluded.updated_at,
            },
        )
    )
    read_memo.forget(session, _NAMES, aad_object_id)  # read again if asked again


async def get_person(*, session: AsyncSession, aad_object_id: str) -> Person | None:
    return await session.get(Person, aad_object_id)


_NAMES = "person names"  # read_memo: Entra id -> the stored name, or None
_NAMES_CHUNK = 500  # ids a query
_PEOPLE_NAMES = select(Person.aad_object_id, Person.name).where(
    Person.aad_object_id.in_(bindparam("ids", expanding=True))
)


async def names(*, session: AsyncSession, aad_ids: Iterable[str]) -> dict[str, str | None]:
    """The stored name of each of ``aad_ids`` (None: no one by that id, or no name). Those
    the transaction has not read yet are read in one query, and every answer is kept for the
    transaction (``read_memo``): a card names the same few people on many lines, and an id
    with no one behind it is not kept by the session's identity map."""
    known: dict[str, str | None] = read_memo.memo(session, _NAMES)
    asked = [aad for aad in dict.fromkeys(aad_ids) if aad]
    wanted = [aad for aad in asked if aad not in known]
    for start in range(0, len(wanted), _NAMES_CHUNK):
        chunk = wanted[start : start + _NAMES_CHUNK]
        rows = await session.execute(_PEOPLE_NAMES, {"ids": chunk})
        found = {aad: name for aad, name in rows.tuples()}
        for aad in chunk:
            known[aad] = found.get(aad) or None
    return {aad: known[aad] for aad in asked}


# Read on every turn: built once (building a statement costs more than running it).
_ROLES = select(RoleAssignment.role).where(RoleAssignment.aad_object_id == bindparam("aad"))
_PURPOSES = select(CaseRequest.purpose).where(
    CaseRequest.case_id == bindparam("case_id"), CaseRequest.aad_object_id == bindparam("aad")
)


async def get_roles(
    *, session: AsyncSession | AsyncConnection, aad_object_id: str, case_id: int | None = None
) -> frozenset[str]:
    """The roles someone holds: for every case, and with ``case_id`` also those a request on
    that case gives them. A case-only role granted for every case counts for none."""
    rows = await session.scalars(_ROLES, {"aad": aad_object_id})
    roles = frozenset(rows) - CASE_ONLY
    if case_id is None:
        return roles
    purposes = await session.scalars(_PURPOSES, {"case_id": case_id, "aad": aad_object_id})
    return roles | {REQUEST_ROLES[p].value for p in purposes if p in REQUEST_ROLES}


async def list_people(*, session: AsyncSession) -> list[Person]:
    """Everyone the bot knows from Teams (the team's roster and whoever has talked to it),
    by name."""
    rows = await session.scalars(select(Person).where(Person.name != "").order_by(Person.name))
    return list(rows)


async def list_holders(*, session: AsyncSession, role: str) -> list[str]:
    """Entra object ids holding ``role``, oldest grant first."""
    rows = await session.scalars(
        select(RoleAssignment.aad_object_id)
        .where(RoleAssignment.role == role)
        .order_by(RoleAssignment.granted_at, RoleAssignment.id)
    )
    return list(rows)


async def holders_teams_ids(*, session: AsyncSession, role: str) -> list[str]:
    """The Teams ids of those holding ``role`` whom the bot has met, oldest grant first: one
    query."""
    rows = await session.scalars(
        select(Person.teams_user_id)
        .join(RoleAssignment, RoleAssignment.aad_object_id == Person.aad_object_id)
        .where(RoleAssignment.role == role, Person.teams_user_id != "")
        .order_by(RoleAssignment.granted_at, RoleAssignment.id)
    )
    return list(dict.fromkeys(rows))


async def grant_role(
    *, session: AsyncSession, aad_object_id: str, role: str, granted_by: str, now: datetime
) -> bool:
    """Grant ``role``; False when it was already held."""
    existing = await session.scalar(
        select(RoleAssignment).where(
            RoleAssignment.aad_object_id == aad_object_id, RoleAssignment.role == role
        )
    )
    if existing is not None:
        return False
    session.add(
        RoleAssignment(
            aad_object_id=aad_object_id, role=role, granted_by=granted_by, granted_at=now
        )
    )
    await session.flush()
    return True


async def revoke_role(*, session: AsyncSession, aad_object_id: str, role: str) -> bool:
    """Take ``role`` away; False when it wasn't held."""
    existing = await session.scalar(
        select(RoleAssignment).where(
            RoleAssignment.aad_object_id == aad_object_id, RoleAssignment.role == role
        )
    )
    if existing is None:
        return False
    await session.delete(existing)
    await session.flush()
    return True


async def find_by_teams_id(*, session: AsyncSession, teams_user_id: str) -> Person | None:
    found: Person | None = await session.scalar(
        select(Person).where(Person.teams_user_id == teams_user_id).limit(1)
    )
    return found


async def find_by_name(*, session: AsyncSession, name: str) -> Person | None:
    """The one person with exactly this name (ignoring case), or None (none, or several)."""
    rows = list(
        await session.scalars(
            select(Person).where(func.lower(Person.name) == " ".join(name.split()).lower()).limit(2)
        )
    )
    return rows[0] if len(rows) == 1 else None
