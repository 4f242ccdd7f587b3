"""Botbuilder ``Storage`` on the database, so conversation and dialog state survive restarts.

Documents are encoded with jsonpickle (as Microsoft's own Blob and Cosmos stores do), because
dialog state holds botbuilder objects, not plain dicts. eTags give optimistic concurrency: a
write whose eTag no longer matches fails instead of overwriting another turn's change.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import jsonpickle
from botbuilder.core import Storage
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.db import transaction
from storage.state import StateConflict, delete_state, read_state, write_state


class DatabaseStorage(Storage):  # type: ignore[misc]
    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], clock: Callable[[], datetime]
    ) -> None:
        super().__init__()
        self._sessions = sessions
        self._clock = clock

    async def read(self, keys: list[str]) -> dict[str, Any]:
        if not keys:
            return {}
        async with self._sessions() as session:
            found = await read_state(session=session, keys=keys)
        result: dict[str, Any] = {}
        for key, (text, etag) in found.items():
            value = jsonpickle.decode(text, keys=True)
            if isinstance(value, dict):
                value["e_tag"] = etag
            else:
                value.e_tag = etag
            result[key] = value
        return result

    async def write(self, changes: dict[str, Any]) -> None:
        if changes is None:
            raise ValueError("changes are required when writing")
        if not changes:
            return
        items: dict[str, tuple[str, str | None]] = {}
        for key, value in changes.items():
            if isinstance(value, dict):
                expected = value.get("e_tag")
                body = {k: v for k, v in value.items() if k != "e_tag"}
            else:
                expected = getattr(value, "e_tag", None)
                body = value
            items[key] = (jsonpickle.encode(body, keys=True), expected or None)
        try:
            async with transaction(self._sessions) as session:
                etags = await write_state(session=session, items=items, now=self._clock())
        except StateConflict as conflict:
            raise KeyError(str(conflict)) from conflict
        for key, value in changes.items():
            if isinstance(value, dict):
                value["e_tag"] = etags[key]
            elif hasattr(value, "e_tag"):
                value.e_tag = etags[key]

    async def delete(self, keys: list[str]) -> None:
        async with transaction(self._sessions) as session:
            await delete_state(session=session, keys=keys)
