"""`o` on the Runs screen: a finished run's model shown without training (Inside, Try, Confusion)."""

import shutil
from pathlib import Path

from tests.ui.conftest import log_of, notifications, screen_text, shown_lines, toy_config, wait_for
from tui_trainer.engine.trainer import Trainer
from tui_trainer.ui.app import TrainerApp
from tui_trainer.ui.confusion_view import ConfusionPane
from tui_trainer.ui.inside_view import InsidePane
from tui_trainer.ui.runs_screen import RunsScreen
from tui_trainer.ui.try_view import TryPane


def words(lines: list[str]) -> str:
    return " ".join(" ".join(lines).split())


async def test_o_opens_a_finished_runs_model_in_inside_try_and_confusion_then_s_trains(tmp_path):
    runs = tmp_path / "runs"
    finished = Trainer(toy_config(runs)).run()  # trained before the app starts
    assert finished.ok and finished.run_dir is not None
    name = Path(finished.run_dir).name
    broken = Path(shutil.copytree(finished.run_dir, runs / "20200101-000000-broken"))
    (broken / "model.pt").unlink()  # as a killed run leaves it
    app = TrainerApp(toy_config(runs, epochs=2))
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("R")
        await wait_for(pilot, lambda: isinstance(app.screen, RunsScreen) and app.screen.rows, what="the runs")
        await pilot.press("o")
        await wait_for(pilot, lambda: app.view.state == f"opened {name}", what="the run opened")
        assert not isinstance(app.screen, RunsScreen) and app.worker is None  # nothing trained
        assert f"opened {name}: its model as it ended; s trains a new run" in log_of(app)
        assert "test accuracy" in log_of(app)
        assert app.setup.config.train.epochs == 3  # the run's config, loaded as `l` loads it

        await pilot.press("i")
        inside = app.query_one(InsidePane).query_one("#inside-body")
        await wait_for(pilot, lambda: f"of {name}" in words(shown_lines(inside)), what="the Inside header")
        assert "weight" in words(shown_lines(inside))  # the parameter table

        await pilot.press("y")
        try_pane = app.query_one(TryPane)
        await wait_for(pilot, lambda: try_pane.result is not None, what="a prediction")
        assert try_pane.mode == "map" and "predicted " in screen_text(app)

        await pilot.press("c")
        evaluation = app.view.last_eval
        assert evaluation is not None and evaluation.split == "test"
        macro = f"macro F1 {evaluation.extra['macro_f1']:.3f}"
        body = app.query_one(ConfusionPane).query_one("#confusion-body")
        await wait_for(pilot, lambda: macro in "".join(shown_lines(body)), what="the matrix")
        assert "No confusion matrix yet" not in screen_text(app)

        await pilot.press("escape", "s")  # a new run trains as usual afterwards
        await wait_for(pilot, lambda: app.view.finished is not None, what="the new run")
        assert app.view.finished.ok and app.view.finished.run_dir != finished.run_dir

        await pilot.press("R")  # a run without weights: one line in the log and a notification
        await wait_for(pilot, lambda: isinstance(app.screen, RunsScreen) and app.screen.rows, what="the runs")
        paths = [row.record.path for row in app.screen.rows]
        await pilot.press(*["j"] * paths.index(broken), "o")
        refusal = f"{broken} has no model.pt: the run ended before saving its model"
        await wait_for(pilot, lambda: refusal in " ".join(log_of(app).split()), what="the refusal")
        assert any(refusal in n.message for n in notifications(app)) and app.view.state == "idle"
