"""Regenerate docs/screenshot.svg: the console at work with a WRITE approval open (headless, fixed size).

    .venv/bin/python docs/make_screenshot.py
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from console.core.config import Settings  # noqa: E402
from console.core.themes import discover_themes  # noqa: E402
from console.tui.app import HitlApp  # noqa: E402
from console.tui.screens.approval import screen_for  # noqa: E402
from tests.tui.requests import write_request  # noqa: E402
from tests.tui.test_snapshots import main_screen_at_work  # noqa: E402


async def main() -> None:
    app = HitlApp(Settings(), discover_themes(None), connect=False)
    async with app.run_test(size=(130, 40)) as pilot:
        await main_screen_at_work(pilot)
        app.push_screen(screen_for(write_request(), clock=lambda: 50.0))
        await pilot.pause(0.2)
        app.save_screenshot(filename="screenshot.svg", path=str(ROOT / "docs"))


if __name__ == "__main__":
    asyncio.run(main())
