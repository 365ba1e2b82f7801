import asyncio

import httpx
from app.server import app


async def fetch_manifest() -> httpx.Response:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://app") as client:
        return await client.get(
            "/discover", headers={"accept": "application/vnd.restate.endpointmanifest.v3+json"}
        )


def test_discovery_lists_the_greeter() -> None:
    response = asyncio.run(fetch_manifest())
    assert response.status_code == 200, response.text
    manifest = response.json()
    assert [s["name"] for s in manifest["services"]] == ["Greeter"]
    assert [h["name"] for h in manifest["services"][0]["handlers"]] == ["greet"]
