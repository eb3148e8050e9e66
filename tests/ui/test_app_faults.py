"""Faults in the app: SIGTERM, a tiny terminal mid-run, and random text in every setup field."""

import json
import os
import signal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from textual.widgets import Button, Input, Static, TabbedContent

from tests.ui.conftest import screen_text, toy_config, wait_for
from tui_trainer.engine.config import ConfigError, field_type, parse_value
from tui_trainer.ui.app import EXIT_INTERRUPTED, TrainerApp
from tui_trainer.ui.fields import Field, key_of
from tui_trainer.ui.runs_screen import RunsScreen
from tui_trainer.ui.setup import SetupColumn


def meta_loaded(app) -> bool:
    return app.query_one(SetupColumn).meta is not None


async def test_sigterm_stops_the_run_saves_it_and_exits(make_config, tmp_path):
    app = TrainerApp(make_config(epochs=100_000))
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: meta_loaded(app), what="metadata")
        await pilot.press("s")
        await wait_for(pilot, lambda: app.view.epochs_seen >= 1, what="the first epoch")
        # The app's loop handles SIGTERM; without its handler this signal would end pytest.
        assert signal.getsignal(signal.SIGTERM) not in (signal.SIG_DFL, None)
        os.kill(os.getpid(), signal.SIGTERM)
        await wait_for(pilot, lambda: not app.is_running, what="the app to exit")
    assert app.return_value == EXIT_INTERRUPTED
    assert signal.getsignal(signal.SIGTERM) == signal.SIG_DFL  # handed back on exit
    (run_dir,) = list((tmp_path / "runs").iterdir())
    summary = json.loads((run_dir / "summary.json").read_text())
    assert summary["status"] == "stopped"
    assert len((run_dir / "metrics.jsonl").read_text().splitlines()) == summary["epochs_done"] >= 1
    assert (run_dir / "model.pt").exists() and (run_dir / "last.pt").exists()


@pytest.mark.slow
async def test_tiny_terminal_during_training_then_back(make_config):
    app = TrainerApp(make_config(epochs=100_000))
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: meta_loaded(app), what="metadata")
        await pilot.press("s")
        await wait_for(pilot, lambda: app.view.epochs_seen >= 1, what="the first epoch")
        # Paused while the screens change: a key pressed beside a busy training thread waits out
        # Pilot's idle check (2 s a key); the run's own progress is checked once it resumes.
        await pilot.press("p", "R")  # the Runs screen, with a run in progress
        await wait_for(pilot, lambda: isinstance(app.screen, RunsScreen), what="the Runs screen")
        await pilot.resize_terminal(40, 12)
        await wait_for(pilot, lambda: "terminal too small: 40×12" in screen_text(app), what="the line")
        assert app.training and app.size == (40, 12)
        await pilot.press("v", "R")  # keys for panes that cannot be seen do nothing
        assert app.query_one(TabbedContent).active == "tab-train"
        epochs = app.view.epochs_seen
        await pilot.resize_terminal(100, 30)
        await wait_for(pilot, lambda: isinstance(app.screen, RunsScreen), what="the Runs screen again")
        await pilot.press("escape", "p")
        await wait_for(pilot, lambda: app.view.epochs_seen > epochs, what="training to go on")
        await pilot.press("c", "x")
        assert app.query_one(TabbedContent).active == "tab-confusion"
        await wait_for(pilot, lambda: app.view.finished is not None, what="the stop")
        assert app.view.finished.status == "stopped"
        assert app.query_one("#right").size.width > 40  # the layout grew back
        summary = json.loads((Path(app.view.finished.run_dir) / "summary.json").read_text())
        assert summary["status"] == "stopped"


TYPED = st.one_of(
    st.text(max_size=6),
    st.integers(-100_000, 100_000).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.sampled_from(
        ["", " ", "0", "-1", "1e-3", "nan", "inf", "64,32", ",", "1,,2", "true", "csv:x.csv", "digits"]
    ),
)


def shown_messages(app) -> str:
    """Every error text on screen: under visible fields and in the problems list."""
    texts = [str(app.query_one("#problems", Static).render())]
    for field in app.query(Field):
        if field.display:
            texts.append(field.error_text)
    return "\n".join(texts)


@pytest.mark.slow
@settings(max_examples=3, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(values=st.lists(TYPED, min_size=15, max_size=15))
async def test_random_text_in_every_field_gives_a_message_or_a_valid_config(values, tmp_path):
    app = TrainerApp(toy_config(tmp_path / "runs"))
    async with app.run_test(size=(100, 30)) as pilot:
        setup = app.query_one(SetupColumn)
        await wait_for(pilot, lambda: meta_loaded(app), what="metadata")
        inputs = [i for i in setup.query(Input)]
        assert len(inputs) >= 12
        for widget, text in zip(inputs, values, strict=False):
            if not setup.field(key_of(widget.id)).display:
                continue  # hidden fields cannot be typed into
            widget.value = text
            await pilot.pause(0.05)
            key = key_of(widget.id)
            assert widget.value == text  # what was typed is never lost
            if key not in setup.parse_errors:
                try:
                    parsed = parse_value(text.strip(), field_type(key), key)
                except ConfigError:
                    raise AssertionError(f"{key}={text!r} does not parse but shows no error") from None
                section, name = key.split(".")
                assert getattr(getattr(setup.config, section), name) == parsed or parsed != parsed
            start = app.query_one("#start", Button)
            if setup.problems:
                assert start.disabled
                messages = shown_messages(app)
                for problem in setup.problems:
                    assert problem in messages, f"{problem!r} is not shown"
            else:
                setup.config.check()  # no problem shown means the config is valid
                assert not start.disabled or setup.checking  # Start waits for the dataset check
        await pilot.press("escape", "s")  # starting is refused or trains; never crashes
        if app.worker is not None:
            await pilot.press("x")
            await wait_for(pilot, lambda: not app.training, what="the run to stop")
