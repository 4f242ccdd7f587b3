"""Tell the bot it was added to the local client's team, as Teams does on installation.

The local Teams client (Agents Playground) sends no installation event of its own; without
one the bot cannot know the team, its channels or its members until someone posts there.
Usage: python scripts/local_install.py CLIENT_PORT
"""

from __future__ import annotations

import asyncio
import sys
import uuid

import aiohttp


async def install(port: int) -> None:
    base = f"http://127.0.0.1:{port}"
    async with aiohttp.ClientSession() as session:
        async with session.get(f"{base}/_internal/v1/config") as response:
            config = (await response.json())["config"]
        team = config["teams"][0]
        bot = config["bot"]
        async with session.get(
            f"{base}/_internal/v1/customActivities/template", params={"conversationId": team["id"]}
        ) as response:
            activity = await response.json()
        user = config["currentUser"]
        activity.update(
            {
                "id": str(uuid.uuid4()),
                "type": "conversationUpdate",
                "membersAdded": [{"id": bot["id"], "name": bot["name"]}],
                "from": {
                    "id": user["id"],
                    "name": user["name"],
                    "aadObjectId": user["aadObjectId"],
                },
                "channelData": {
                    "tenant": {"id": config["tenantId"]},
                    "team": {
                        "id": team["id"],
                        "name": team["name"],
                        "aadGroupId": team.get("aadGroupId"),
                    },
                    "channel": {"id": team["id"]},
                    "eventType": "teamMemberAdded",
                },
            }
        )
        async with session.post(f"{base}/_internal/v1/customActivities", json=activity) as response:
            response.raise_for_status()


if __name__ == "__main__":
    asyncio.run(install(int(sys.argv[1])))
