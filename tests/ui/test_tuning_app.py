"""The tuning tools in the app: the LR finder screen (L), settings changed while paused, the
"Overfit one batch" palette entry; and, without an app, the shared range-test plot and the check
of the settings a paused run is sent."""

import json
import math
from pathlib import Path

import pytest
from textual.widgets import Input

from tests.ui.conftest import log_of, meta_loaded, notifications, screen_text, shown_lines, wait_for
from tui_trainer.engine.lr_finder import LRFinderResult, suggestions
from tui_trainer.formatting import format_lr
from tui_trainer.lr_plot import lr_finder_plot, suggestion_lines
from tui_trainer.ui.app import TrainerApp
from tui_trainer.ui.loss_plot import LossPlot
from tui_trainer.ui.lr_finder_screen import LRFinderScreen
from tui_trainer.ui.paused_changes import changes_to_send, edited_settings
from tui_trainer.ui.setup import SetupColumn

CLEAR = ("home", "ctrl+k")  # Input: cursor to start, delete to the end


def _curve() -> LRFinderResult:
    """A range test's typical curve: flat, falling fastest near 1e-2, lowest near 1, diverging."""
    lrs = [1e-7 * 10 ** (8 * i / 59) for i in range(60)]
    losses = [1.0 - 0.8 / (1 + math.exp(-3 * (math.log10(lr) + 2))) for lr in lrs]
    losses = [loss + (max(0.0, math.log10(lr)) ** 2) for loss, lr in zip(losses, lrs, strict=True)]
    result = LRFinderResult(lrs=lrs, losses=losses, raw_losses=losses, steps_planned=60, stop_reason="x")
    result.steepest_lr, result.minimum_lr = suggestions(lrs, losses)
    return result


def test_lr_finder_plot_marks_both_suggestions_on_a_log_axis():
    result = _curve()
    text = lr_finder_plot(result, 80, 16)
    lines = text.splitlines()
    assert len(lines) == 16 and "steepest" in text and "min÷10" in text
    assert "1e-7" in text and "1e0" in text and "learning rate (log scale)" in text
    assert lr_finder_plot(LRFinderResult(), 80) == ""  # no points: nothing to draw
    shown = suggestion_lines(result)
    assert shown[0].startswith("steepest descent") and shown[1].endswith("<- suggested")
    assert format_lr(result.minimum_lr) in shown[1]


def test_changes_sent_on_resume_are_the_edited_changeable_fields(make_config):
    before = make_config(epochs=10)
    after = before.copy()
    after.optimizer.lr, after.train.epochs = 0.05, 12
    assert edited_settings(before, after) == {"optimizer.lr": 0.05, "train.epochs": 12}
    assert changes_to_send(before, after, {}, 3) == ({"optimizer.lr": 0.05, "train.epochs": 12}, None)
    # a field still being typed, or a value the run cannot take: one line naming the field
    refused, why = changes_to_send(before, after, {"optimizer.lr": "optimizer.lr: not a number"}, 3)
    assert refused == {} and why is not None and "optimizer.lr" in why
    after.train.epochs = 2
    refused, why = changes_to_send(before, after, {}, 3)
    assert refused == {} and why is not None and "train.epochs" in why


async def test_lr_finder_screen_plots_and_applies_its_suggestion(make_config):
    # Batches of 8: ~30 points, enough for the curve to show where it falls.
    app = TrainerApp(make_config(dataset__batch_size=8))
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: meta_loaded(app, "moons"), what="moons metadata")
        lr_before = app.query_one("#cfg-optimizer-lr", Input).value
        await pilot.press("L")
        assert isinstance(app.screen, LRFinderScreen)
        screen = app.screen
        await wait_for(pilot, lambda: screen.result is not None or screen.error, what="the range test")
        assert not screen.error and screen.result is not None
        await pilot.pause(0.1)
        text = screen_text(app)
        assert "LR finder: moons" in text and "steepest" in text and "<- suggested" in text
        suggested = screen.result.suggested_lr
        assert suggested is not None
        await pilot.press("a")
        assert not isinstance(app.screen, LRFinderScreen)
        lr_field = app.query_one("#cfg-optimizer-lr", Input).value
        assert lr_field == format_lr(suggested) != lr_before
        assert app.query_one(SetupColumn).config.optimizer.lr == float(format_lr(suggested))
        assert "the LR finder's suggestion" in log_of(app)


@pytest.mark.slow
async def test_pause_change_lr_resume_logs_marks_and_records_it(make_config):
    config = make_config(epochs=100_000, optimizer__clip_grad_norm=1.0)  # stopped long before the end
    app = TrainerApp(config)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: meta_loaded(app, "moons"), what="moons metadata")
        await pilot.press("s")
        await wait_for(pilot, lambda: app.view.epochs_seen >= 1, what="the first epoch")
        assert "clipped " in str(app.query_one("#progress-line").render())
        await pilot.press("p")
        await wait_for(pilot, lambda: app.view.state == "paused", what="the pause")
        lr = app.query_one("#cfg-optimizer-lr", Input)
        assert not lr.is_disabled and app.query_one("#cfg-model-hidden").is_disabled
        assert "apply when p resumes" in " ".join(str(app.query_one("#lock-banner").render()).split())
        lr.focus()
        await pilot.press(*CLEAR, *"abc", "escape", "p")  # refused, naming the field; still paused
        assert app.control.paused
        assert any("optimizer.lr" in n.message for n in notifications(app) if n.severity == "error")
        lr.focus()
        await pilot.press(*CLEAR, *"0.05", "escape", "p")
        await wait_for(pilot, lambda: "changed from step" in log_of(app), what="the change's log line")
        assert "optimizer.lr" in log_of(app) and "→ 0.05" in log_of(app)
        assert app.query_one("#cfg-model-hidden").is_disabled  # locked again while it runs
        plot = app.query_one(LossPlot)
        assert plot.changed_at
        app.view.show_tab("tab-train")
        await wait_for(pilot, lambda: any("changed" in line for line in shown_lines(plot)), 10, "the marker")
        await pilot.press("x")
        await wait_for(pilot, lambda: app.view.finished is not None, what="the stop")
        lines = (Path(app.view.finished.run_dir) / "metrics.jsonl").read_text().splitlines()
        changes = [r for r in map(json.loads, lines) if r.get("type") == "change"]
        assert [(c["field"], c["new"]) for c in changes] == [("optimizer.lr", 0.05)]
        assert changes[0]["step"] == plot.changed_at[0]


@pytest.mark.slow
async def test_overfit_one_batch_from_the_palette(make_config):
    app = TrainerApp(make_config())
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: meta_loaded(app, "moons"), what="moons metadata")
        await pilot.press("ctrl+p")
        await pilot.pause(0.2)
        await pilot.press(*"overfit one", "enter")
        await wait_for(pilot, lambda: app.view.finished is not None, timeout=120, what="the overfit run")
        log = log_of(app)
        assert "overfit check: training and validating on the first 1 batch" in log
        assert "the model fits 1 batch" in log or "did not fit 1 batch" in log
        assert app.query_one(SetupColumn).config.train.overfit_batches == 0  # the setup is unchanged
