"""The objects the imports create are frozen out of the garbage collector's full collections
(they made key presses wait 150-250 ms), and a run's own objects never are (they must stay
collectable). Run in a fresh interpreter: the freeze happens once per process."""

import subprocess
import sys
import textwrap

import pytest

PROBE = textwrap.dedent("""
    import asyncio, gc, sys
    from tests.ui.conftest import toy_config
    from tui_trainer.ui.app import TrainerApp

    async def main():
        app = TrainerApp(toy_config(sys.argv[1], epochs=2))
        async with app.run_test() as pilot:
            await pilot.press("s")  # at once: the preload is still importing torch
            while app.view.finished is None:
                await pilot.pause(0.05)
            started = app.view.started  # made by the trainer as the run began
            print("FROZEN", gc.get_freeze_count(), any(o is started for o in gc.get_objects()))

    asyncio.run(main())
""")


@pytest.mark.slow
def test_imports_are_frozen_before_the_first_run_and_the_run_is_not(tmp_path):
    done = subprocess.run(
        [sys.executable, "-c", PROBE, str(tmp_path / "runs")], capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    frozen, run_object_tracked = done.stdout.split("FROZEN")[-1].split()
    assert int(frozen) > 100_000  # torch's import alone leaves ~300,000 objects
    assert run_object_tracked == "True"  # RunStarted is still collectable, so was made after


def test_freezing_happens_once():
    probe = (
        "import gc; from tui_trainer.ui.long_lived import freeze_imported_objects as f; "
        "print(f(), gc.get_freeze_count() > 0, f())"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60)
    assert done.stdout.split() == ["True", "True", "False"], done.stderr
