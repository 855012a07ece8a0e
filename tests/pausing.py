"""A worker held at one of its steps, so that a test can act while it waits there: the moment
another worker overtakes it, or its lease runs out."""

import asyncio
from typing import Any

import pytest


def first_call_waits(
    monkeypatch: pytest.MonkeyPatch, owner: object, name: str
) -> tuple[asyncio.Event, asyncio.Event]:
    """The first call of `owner.name` waits, before it runs, until released: (reached, release).
    Later calls run at once."""
    reached, release = asyncio.Event(), asyncio.Event()
    original = getattr(owner, name)
    calls = 0

    async def waiting(*args: Any, **kwargs: Any) -> Any:
        nonlocal calls
        calls += 1
        if calls == 1:
            reached.set()
            await release.wait()
        return await original(*args, **kwargs)

    monkeypatch.setattr(owner, name, waiting)
    return reached, release
