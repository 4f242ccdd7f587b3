from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.e2e.harness import PLAYGROUND, LocalTeams


@pytest.fixture
async def teams(tmp_path: Path) -> AsyncIterator[LocalTeams]:
    assert PLAYGROUND.exists(), "run `npm ci` (make test does) to install the local Teams client"
    client = LocalTeams(tmp_path / "e2e")
    await client.start()
    try:
        yield client
    finally:
        await client.stop()
