"""How `handover serve` runs: one process, or several behind one port with the background work
once per host.

With `--workers N`, uvicorn's process manager starts N processes that each build the app
(`app.main:create_app`) and answer requests; none of them runs the dispatcher, the CRM worker
or the clock. These run once, in a thread of the process that supervises them: one set per
`serve`, so per host. Their leases in the database would keep N sets from doing anything twice,
but N sets poll N times as often and hold N times the connections for nothing.
"""

import asyncio
import os
import threading
from ipaddress import ip_address

import uvicorn
import uvloop

from app.background import run_background
from app.db import Database
from app.settings import DEVELOPMENT_SECRET, Settings

# uvicorn starts each process by importing the command that started it (spawn) and kills one
# that does not answer its ping within this long: importing the app takes longer than uvicorn's
# 5 s on a busy machine, and its processes were then killed and restarted forever.
WORKER_HEALTHCHECK_SECONDS = 60


def is_loopback(host: str) -> bool:
    """Whether `host` only takes connections from this machine."""
    if host.lower() == "localhost":
        return True
    try:
        return ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False  # a name that may resolve anywhere


def development_warning(settings: Settings) -> str:
    """What `serve` says loudly at start in development mode."""
    if settings.secret_key.get_secret_value() == DEVELOPMENT_SECRET:
        protected = (
            "CRM and webhook secrets stored in the database are NOT protected: their key "
            "derives from the published development secret key"
            if settings.webhook_encryption_key is None
            else "pagination cursors and share pages are signed with the published "
            "development secret key"
        )
    else:
        protected = "production's checks (secret key, debug output) are off"
    return (
        "WARNING: development mode (HANDOVER_ENVIRONMENT=development): "
        f"{protected}. For real data set HANDOVER_ENVIRONMENT=production and "
        "HANDOVER_SECRET_KEY (docs/configuration.md)."
    )


class BackgroundThread:
    """The background work (app/background.py) on an event loop of its own, in a thread."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._ready = threading.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._thread = threading.Thread(target=self._run, name="handover-background")

    def start(self) -> None:
        self._thread.start()
        self._ready.wait()

    def stop(self) -> None:
        if self._loop is not None and self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join()

    def _run(self) -> None:
        with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
            runner.run(self._work())

    async def _work(self) -> None:
        self._loop, self._stop = asyncio.get_running_loop(), asyncio.Event()
        self._ready.set()
        database = Database(self.settings)
        try:
            await run_background(
                database,
                self._stop,
                deliver=self.settings.dispatcher_enabled,
                with_clock=self.settings.clock_enabled,
            )
        finally:
            await database.dispose()


def serve(settings: Settings, *, host: str, port: int, workers: int) -> None:
    """Serve until interrupted: the app in this process, or `workers` processes of it."""
    options = {"host": host, "port": port, "log_config": None, "proxy_headers": True}
    if workers == 1:
        from app.main import create_app

        uvicorn.run(create_app(settings), **options)  # type: ignore[arg-type]
        return
    # Each process builds its app from the environment it inherits: without the background
    # work, and without a second bootstrap.
    os.environ.update(
        HANDOVER_DISPATCHER_ENABLED="false",
        HANDOVER_CLOCK_ENABLED="false",
        HANDOVER_BOOTSTRAP="false",
    )
    background = BackgroundThread(settings)
    background.start()
    try:
        uvicorn.run(
            "app.main:create_app",
            factory=True,
            workers=workers,
            timeout_worker_healthcheck=WORKER_HEALTHCHECK_SECONDS,
            **options,  # type: ignore[arg-type]
        )
    finally:
        background.stop()
