"""The setup column driven by real keys: the loss list, the dataset-name check, file-dataset fields."""

import threading

import pytest
from textual.widgets import Button, Input, Select

from tests.ui.conftest import field_error, log_of, meta_loaded, notifications, toy_config, wait_for
from tui_trainer.engine.config import TrainConfig
from tui_trainer.ui.app import TrainerApp
from tui_trainer.ui.setup import SetupColumn


def digits_app(tmp_path, epochs: int = 10) -> TrainerApp:
    config = TrainConfig()
    config.train.output_dir = str(tmp_path / "runs")
    config.train.epochs = epochs
    config.train.device = "cpu"
    return TrainerApp(config)


def shown(setup: SetupColumn, key: str) -> bool:
    return setup.field(key).display


def count_rebuilds(select: Select) -> list[int]:
    """Counts the Select's option rebuilds (the loop rebuilt the loss list ~14 times a second)."""
    count = [0]
    rebuild = select.set_options

    def counting(options):
        count[0] += 1
        rebuild(options)

    select.set_options = counting
    return count


async def settle(pilot) -> None:
    """Let every queued message run: a Changed ping-pong would still be going after this."""
    for _ in range(10):
        await pilot.pause()
    await pilot.pause(0.2)


async def type_dataset_name(pilot, text: str) -> None:
    await pilot.press("escape", "d", "tab")  # the pick list, then the name field (text selected)
    assert isinstance(pilot.app.focused, Input) and pilot.app.focused.id == "cfg-dataset-name"
    await pilot.press("ctrl+a", "ctrl+k", *text)


async def test_a_loss_picked_with_keys_stays_picked_and_the_list_settles(tmp_path):
    app = digits_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        setup = app.query_one(SetupColumn)
        await wait_for(pilot, lambda: meta_loaded(app, "digits"), what="digits metadata")
        loss = app.query_one("#cfg-loss-name", Select)
        rebuilds = count_rebuilds(loss)

        await pilot.press("l", "enter", "down", "down", "enter")  # auto -> CrossEntropy -> NLL
        await wait_for(pilot, lambda: setup.config.loss.name == "nll", what="nll")
        await settle(pilot)
        assert loss.value == "nll" and setup.config.loss.name == "nll"
        assert rebuilds[0] == 0, "picking a loss must not rebuild the list"
        assert not setup.problems

        await pilot.press("enter", "up", "enter")  # and back, with the keys again
        await wait_for(pilot, lambda: setup.config.loss.name == "cross_entropy", what="cross_entropy")
        await settle(pilot)
        assert loss.value == "cross_entropy" and rebuilds[0] == 0


@pytest.mark.slow
async def test_mse_can_be_picked_after_typing_a_regression_set(tmp_path):
    app = digits_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        setup = app.query_one(SetupColumn)
        await wait_for(pilot, lambda: meta_loaded(app, "digits"), what="digits metadata")
        await type_dataset_name(pilot, "sine")
        await wait_for(pilot, lambda: meta_loaded(app, "sine"), what="sine metadata")
        loss = app.query_one("#cfg-loss-name", Select)
        offered = [value for _, value in loss.offered]
        assert offered[:5] == ["auto", "mse", "l1", "smooth_l1", "huber"]
        assert loss.value == "auto" and not setup.problems  # auto follows the task

        await pilot.press("escape", "l", "enter", "down", "enter")
        await wait_for(pilot, lambda: setup.config.loss.name == "mse", what="mse")
        rebuilds = count_rebuilds(loss)
        await settle(pilot)
        assert loss.value == "mse" and setup.config.loss.name == "mse"
        assert rebuilds[0] == 0
        assert not setup.problems and not app.query_one("#start", Button).disabled


@pytest.mark.slow
async def test_a_chosen_loss_that_stops_fitting_gives_way_to_the_tasks_default(tmp_path):
    app = digits_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        setup = app.query_one(SetupColumn)
        await wait_for(pilot, lambda: meta_loaded(app, "digits"), what="digits metadata")
        await pilot.press("l", "enter", "down", "down", "enter")  # auto -> cross_entropy -> nll
        await wait_for(pilot, lambda: setup.config.loss.name == "nll", what="nll")
        await type_dataset_name(pilot, "sine")
        await wait_for(pilot, lambda: meta_loaded(app, "sine"), what="sine metadata")
        await wait_for(pilot, lambda: setup.config.loss.name == "mse", what="the loss to follow the task")
        await settle(pilot)
        assert app.query_one("#cfg-loss-name", Select).value == "mse" and not setup.problems
        assert "loss nll does not fit regression: switched to mse" in log_of(app)
        assert not app.query_one("#start", Button).disabled
        await type_dataset_name(pilot, "moons")  # mse does not fit classes either: back to the default
        await wait_for(pilot, lambda: setup.config.loss.name == "cross_entropy", what="cross_entropy")
        # The log line comes from a message the setup column posts: it may arrive a moment later.
        switched = "loss mse does not fit classification: switched to cross_entropy"
        await wait_for(pilot, lambda: switched in log_of(app), what="the log line")


async def test_an_unknown_dataset_name_is_an_error_at_once_and_ctrl_s_does_not_start(tmp_path):
    app = digits_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        setup = app.query_one(SetupColumn)
        await wait_for(pilot, lambda: meta_loaded(app, "digits"), what="digits metadata")
        await type_dataset_name(pilot, "lsine")
        # No waiting: the registry lookup runs as the name is typed.
        assert "unknown dataset.name 'lsine'" in field_error(app, "dataset.name")
        assert app.query_one("#start", Button).disabled
        await pilot.press("ctrl+s")  # start from inside the field (Enter there moves to the next field)
        assert app.worker is None
        assert any("unknown dataset.name" in str(n.message) for n in notifications(app))
        assert not setup.checking


async def test_start_waits_for_the_dataset_check_then_trains(tmp_path, monkeypatch):
    app = digits_app(tmp_path, epochs=1)
    async with app.run_test(size=(80, 24)) as pilot:
        setup = app.query_one(SetupColumn)
        await wait_for(pilot, lambda: meta_loaded(app, "digits"), what="digits metadata")
        # Hold the metadata load, so "still checking" lasts however fast the machine is.
        gate = threading.Event()
        from tui_trainer.ui import setup as setup_module

        real_load = setup_module.load_dataset

        def held_load(*args, **kwargs):
            gate.wait(60)
            return real_load(*args, **kwargs)

        monkeypatch.setattr(setup_module, "load_dataset", held_load)
        await type_dataset_name(pilot, "moons")
        start = app.query_one("#start", Button)
        assert setup.checking and start.disabled and "Checking" in str(start.label)
        assert not setup.problems
        await pilot.press("ctrl+s")  # Ctrl+S in the field: starts once the check passes
        assert app.worker is None
        gate.set()
        await wait_for(pilot, lambda: app.view.finished is not None, what="the run")
        assert app.view.finished.status == "completed", app.view.finished.reason
        assert app.view.started.config.dataset.name == "moons"


@pytest.mark.slow
async def test_csv_and_folder_fields_appear_for_those_names_and_are_checked(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # names relative to the working directory, as a user types them
    csv = tmp_path / "table.csv"
    csv.write_text("a,b,label\n" + "".join(f"{i},{i % 7},{'xy'[i % 2]}\n" for i in range(60)))
    app = TrainerApp(toy_config(tmp_path / "runs"))
    async with app.run_test(size=(100, 30)) as pilot:
        setup = app.query_one(SetupColumn)
        await wait_for(pilot, lambda: meta_loaded(app, "moons"), what="moons metadata")
        target = app.query_one("#cfg-dataset-target", Input)
        size = app.query_one("#cfg-dataset-image_size", Input)
        assert not shown(setup, "dataset.target") and not shown(setup, "dataset.image_size")

        await type_dataset_name(pilot, "csv:table.csv")
        await wait_for(
            pilot, lambda: setup.meta is not None and "table" in setup.meta.name, what="the CSV's metadata"
        )
        assert shown(setup, "dataset.target") and not shown(setup, "dataset.image_size")
        await pilot.press("tab")
        assert app.focused is target
        await pilot.press(*"nope")
        await wait_for(
            pilot, lambda: "not a column" in field_error(app, "dataset.target"), what="the target error"
        )
        assert app.query_one("#start", Button).disabled
        await pilot.press("ctrl+a", "ctrl+k", *"a")
        await wait_for(pilot, lambda: not setup.checking, what="the fixed target")
        assert setup.config.dataset.target == "a" and field_error(app, "dataset.target") == ""
        assert setup.meta.task == "regression"  # 60 distinct numbers

        await type_dataset_name(pilot, "folder:.")
        assert shown(setup, "dataset.image_size") and shown(setup, "dataset.grayscale")
        assert not shown(setup, "dataset.target")
        await pilot.press("tab")
        assert app.focused is size
        await pilot.press("ctrl+a", "ctrl+k", "2")
        assert "at least 4" in field_error(app, "dataset.image_size")
        await pilot.press("ctrl+a", "ctrl+k", *"x")
        assert "integer" in field_error(app, "dataset.image_size")
        await pilot.press("ctrl+a", "ctrl+k", *"16", "tab", "space")
        assert setup.config.dataset.image_size == 16 and setup.config.dataset.grayscale is False


async def test_a_csv_fixed_on_disk_is_checked_again_when_s_is_pressed(tmp_path):
    table = tmp_path / "table.csv"
    good_rows = "".join(f"{i},{i % 7},{'xy'[i % 2]}\n" for i in range(100))
    table.write_text("a,b,label\n" + good_rows + "3,4,5,y\n")  # line 102 has a field too many
    config = toy_config(tmp_path / "runs", epochs=1)
    config.dataset.name = f"csv:{table}"
    app = TrainerApp(config)
    async with app.run_test(size=(80, 24)) as pilot:
        setup = app.query_one(SetupColumn)
        await wait_for(pilot, lambda: "line 102" in field_error(app, "dataset.name"), what="the ragged row")
        assert "has 4 fields but the header has 3" in field_error(app, "dataset.name")
        assert "dataset's problem" in str(app.query_one("#dataset-info").render())

        table.write_text("a,b,label\n" + good_rows)  # fixed in an editor; the field is not touched
        await pilot.press("s")
        await wait_for(pilot, lambda: app.view.started is not None, what="the run to start")
        assert field_error(app, "dataset.name") == "" and not setup.problems


async def test_a_refused_start_lists_every_problem_and_f_jumps_to_the_first(tmp_path):
    config = toy_config(tmp_path / "runs", epochs=1)
    config.optimizer.lr = -1
    config.model.dropout = 1.5
    app = TrainerApp(config)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: meta_loaded(app, "moons"), what="moons metadata")
        status = app.query_one("#progress-line")
        assert str(status.render()).startswith("2 problem(s) to fix before training — f jumps")
        await pilot.press("s")
        refusal = [n for n in notifications(app) if n.title == "cannot start"]
        assert refusal and app.worker is None
        text = refusal[-1].message
        assert "model.dropout must be in [0, 1)" in text and "optimizer.lr must be > 0" in text
        assert "f jumps to the first one" in text

        await pilot.press("f")
        assert app.focused is app.query_one("#cfg-model-dropout", Input)  # the Model panel comes first
        await pilot.press("ctrl+a", "ctrl+k", *"0.1", "escape", "f")
        assert app.focused is app.query_one("#cfg-optimizer-lr", Input)
        assert str(status.render()).startswith("1 problem(s) to fix")
        await pilot.press("ctrl+a", "ctrl+k", *"0.01")
        assert str(status.render()).startswith("ready — press s")


async def test_a_folder_with_a_file_that_is_not_an_image_says_so_under_the_name(tmp_path):
    from tests.data.dataset_files import write_png_folder

    root = write_png_folder(tmp_path / "pics", {"cat": 3, "dog": 3})
    (root / "dog" / "notes.png").write_text("this is text")
    config = toy_config(tmp_path / "runs", epochs=1)
    config.dataset.name = f"folder:{root}"
    app = TrainerApp(config)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: field_error(app, "dataset.name") != "", what="the folder's problem")
        error = field_error(app, "dataset.name")
        assert "notes.png is not an image that can be read" in error and "BufferedReader" not in error
