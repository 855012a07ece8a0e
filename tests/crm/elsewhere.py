"""A worker in a process of its own: what it knows of a CRM is what the database tells it, as
for another worker, or another replica's, on the same database."""

import asyncio
import json
import os
import sys
from pathlib import Path
from typing import Any

from app.db import Database

ROOT = Path(__file__).resolve().parents[2]  # the repository: `app` and `tests` import from it
TIMEOUT_SECONDS = 60

_SCRIPT = """
import asyncio, importlib, json, sys
from app.db import Database
from tests.crm.conftest import local_settings

module, name = sys.argv[1].split(":")
function = getattr(importlib.import_module(module), name)
database = Database(local_settings(sys.argv[2], **json.loads(sys.argv[3])))

async def main():
    try:
        await function(database)
    finally:
        await database.dispose()

asyncio.run(main())
"""


async def run_elsewhere(function: str, database: Database, **overrides: Any) -> None:
    """`function(database)` ("module:name", a coroutine function) in another process, on
    `database`'s URL with the test settings and `overrides`; killed if it outlasts a minute."""
    python_path = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        _SCRIPT,
        function,
        database.settings.database_url,
        json.dumps(overrides),
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": python_path},
    )
    try:
        code = await asyncio.wait_for(process.wait(), timeout=TIMEOUT_SECONDS)
    finally:
        if process.returncode is None:  # it would go on claiming other tests' rows
            process.kill()
            await process.wait()
    assert code == 0, function
