"""Waiting for a command while watching its deadline and the caller's cancel event."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable

from console.core.transport.base import Ended


async def wait_or_stop(done: Awaitable[object], timeout: float | None, cancel: asyncio.Event | None) -> Ended | None:
    """Await `done`; None when it finished, else why we stopped waiting (TIMED_OUT or CANCELLED).

    `done` is cancelled when we stop waiting for it; its own exceptions propagate.
    """
    task = asyncio.ensure_future(done)
    watchers: set[asyncio.Future[object]] = {task}
    cancel_task: asyncio.Future[object] | None = None
    if cancel is not None:
        cancel_task = asyncio.ensure_future(_wait_event(cancel))
        watchers.add(cancel_task)
    try:
        finished, _ = await asyncio.wait(watchers, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
    except asyncio.CancelledError:
        # Let `done` clean up (kill what it started) before the cancellation goes on.
        task.cancel()
        await asyncio.wait({task})
        raise
    finally:
        if cancel_task is not None:
            cancel_task.cancel()
    if task in finished:
        task.result()
        return None
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    return Ended.CANCELLED if cancel_task is not None and cancel_task in finished else Ended.TIMED_OUT


async def _wait_event(event: asyncio.Event) -> object:
    return await event.wait()


def stopped_message(ended: Ended, host: str, timeout: float | None) -> str:
    if ended is Ended.TIMED_OUT:
        return f"timed out after {timeout:g} s on host {host!r}; the command was killed"
    return f"cancelled on host {host!r}; the command was killed"
