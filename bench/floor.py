"""The floor: a bare Starlette app on asyncpg answering one primary-key SELECT of a project as
JSON. Every HTTP scenario is reported as a ratio to it, measured in the same run.

    HANDOVER_BENCH_FLOOR_DSN=postgresql://… uvicorn bench.floor:app
"""

import json
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from uuid import UUID

import asyncpg
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

QUERY = "SELECT id, name, phase, health, version, updated_at FROM projects WHERE id = $1"


@asynccontextmanager
async def lifespan(app: Starlette) -> AsyncIterator[None]:
    size = int(os.environ.get("HANDOVER_BENCH_FLOOR_POOL", "10"))
    app.state.pool = await asyncpg.create_pool(
        os.environ["HANDOVER_BENCH_FLOOR_DSN"], min_size=size, max_size=size
    )
    yield
    await app.state.pool.close()


async def project(request: Request) -> Response:
    row = await request.app.state.pool.fetchrow(QUERY, UUID(request.path_params["project_id"]))
    if row is None:
        return Response(status_code=404)
    body = {
        "id": str(row["id"]),
        "name": row["name"],
        "phase": row["phase"],
        "health": row["health"],
        "version": row["version"],
        "updated_at": row["updated_at"].isoformat(),
    }
    return Response(json.dumps(body), media_type="application/json")


app = Starlette(routes=[Route("/projects/{project_id}", project)], lifespan=lifespan)
