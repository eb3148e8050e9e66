"""Make the README's screenshots: the real app, headless, at 100×30, mid-run and after it.

    python scripts/screenshots.py            # writes assets/screenshots/*.svg

Each view is Textual's own SVG screenshot (what `ctrl+p` → Screenshot saves). The run is the
default digits MLP; it is paused mid-run for the training view so the picture shows a run in
progress, then trained to the end for the other tabs.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
import time
from pathlib import Path

from tui_trainer.engine import TrainConfig
from tui_trainer.ui.app import TrainerApp

OUT = Path(__file__).resolve().parent.parent / "assets" / "screenshots"
SIZE = (100, 30)


async def wait_until(pilot, predicate, what: str, timeout: float = 300.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise SystemExit(f"timed out waiting for {what}")
        await pilot.pause(0.1)


async def make(out: Path) -> list[Path]:
    config = TrainConfig()
    config.train.epochs = 12
    config.train.output_dir = tempfile.mkdtemp(prefix="tui-trainer-shots-")
    app = TrainerApp(config)
    saved: list[Path] = []

    def shot(name: str) -> None:
        saved.append(Path(app.save_screenshot(f"{name}.svg", str(out))))

    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: not app.query_one("#start").disabled, "the digits metadata")
        await pilot.press("s")
        await wait_until(pilot, lambda: app.view.epochs_seen >= 5, "five epochs")
        await pilot.press("p")
        await wait_until(pilot, lambda: app.view.status.state == "paused", "the pause")
        await pilot.pause(0.5)
        shot("training")
        await pilot.press("p")
        await wait_until(pilot, lambda: app.view.finished is not None, "the end of the run")
        tabs = (("t", "finished"), ("c", "confusion"), ("v", "samples"), ("y", "try"), ("i", "inside"))
        for key, name in tabs:
            await pilot.press(key)
            await pilot.pause(0.5)
            shot(name)
        await pilot.press("R")
        await pilot.pause(1.0)
        shot("runs")
    return saved


def main() -> int:
    OUT.mkdir(parents=True, exist_ok=True)
    for path in asyncio.run(make(OUT)):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
