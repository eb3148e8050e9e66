"""Every config field a user may change has a field, shown where it applies, and the field being
edited and a checkbox's state can be told without colour."""

from textual.widgets import Checkbox, Input, Label, Select

from tests.ui.conftest import meta_loaded, toy_config, wait_for
from tui_trainer.engine import TrainConfig, field_type
from tui_trainer.ui.app import TrainerApp
from tui_trainer.ui.fields import Field
from tui_trainer.ui.setup import SetupColumn


def every_config_key() -> list[str]:
    config = TrainConfig()
    keys = []
    for section in ("dataset", "model", "loss", "optimizer", "scheduler", "train"):
        keys += [f"{section}.{name}" for name in vars(getattr(config, section))]
    return keys


def shown(setup: SetupColumn, key: str) -> bool:
    return setup.field(key).display


async def pick(pilot, select_id: str, value: str) -> None:
    """Open a select with Enter and move to `value` with the arrow keys, as a user would."""
    select = pilot.app.query_one(f"#{select_id}", Select)
    select.focus()
    values = [v for _, v in select.offered]
    current = values.index(select.value) if select.value in values else -1  # -1: the blank prompt
    steps = values.index(value) - current
    await pilot.press("enter", *(["down"] * steps if steps > 0 else ["up"] * -steps), "enter")
    await pilot.pause()
    assert select.value == value


async def test_every_config_field_has_a_field_in_the_panels(tmp_path):
    app = TrainerApp(toy_config(tmp_path / "runs"))
    async with app.run_test(size=(80, 24)):
        keys = {field.key for field in app.query(Field)}
    missing = [key for key in every_config_key() if key not in keys]
    assert not missing, f"no field for {missing}"
    for key in every_config_key():
        field_type(key)  # each is a real, typed config key


async def test_scheduler_fields_follow_the_scheduler_and_edits_reach_the_config(tmp_path):
    app = TrainerApp(toy_config(tmp_path / "runs"))
    async with app.run_test(size=(80, 24)) as pilot:
        setup = app.query_one(SetupColumn)
        await wait_for(pilot, lambda: meta_loaded(app, "moons"), what="moons metadata")
        scheduler_keys = ("scheduler.step_size", "scheduler.gamma", "scheduler.patience")
        assert not any(shown(setup, key) for key in scheduler_keys)

        await pick(pilot, "cfg-scheduler-name", "step")
        assert shown(setup, "scheduler.step_size") and shown(setup, "scheduler.gamma")
        assert not shown(setup, "scheduler.patience")
        await pilot.press("tab", "ctrl+a", "ctrl+k", *"5", "enter")  # Enter moves on to gamma
        assert setup.config.scheduler.step_size == 5
        assert app.focused is app.query_one("#cfg-scheduler-gamma", Input)
        await pilot.press("ctrl+a", "ctrl+k", *"0.3")
        assert setup.config.scheduler.gamma == 0.3

        await pick(pilot, "cfg-scheduler-name", "plateau")
        assert shown(setup, "scheduler.patience") and not shown(setup, "scheduler.step_size")


async def test_optional_fields_show_where_they_apply(tmp_path):
    config = toy_config(tmp_path / "runs")
    config.optimizer.name = "adam"
    app = TrainerApp(config)
    async with app.run_test(size=(80, 24)) as pilot:
        setup = app.query_one(SetupColumn)
        await wait_for(pilot, lambda: meta_loaded(app, "moons"), what="moons metadata")
        assert shown(setup, "dataset.noise") and shown(setup, "loss.class_weights")
        assert not shown(setup, "optimizer.nesterov") and not shown(setup, "dataset.target_normalization")
        await pick(pilot, "cfg-optimizer-name", "sgd")
        assert shown(setup, "optimizer.nesterov")
        await pick(pilot, "cfg-loss-class_weights", "balanced")
        assert setup.config.loss.class_weights == "balanced"

        setup.set_value("dataset.name", "sine")
        await wait_for(pilot, lambda: meta_loaded(app, "sine"), what="sine metadata")
        assert shown(setup, "dataset.target_normalization") and not shown(setup, "loss.class_weights")


async def test_the_edited_field_and_a_checkbox_state_show_without_colour(tmp_path):
    app = TrainerApp(toy_config(tmp_path / "runs"))
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: meta_loaded(app, "moons"), what="moons metadata")
        label = app.query_one("#field-model-dropout .field-label", Label)
        idle = label.styles.background
        app.query_one("#cfg-model-dropout", Input).focus()
        await pilot.pause()
        assert label.styles.background != idle  # the label of the field being edited is highlighted

        box = app.query_one("#cfg-model-batch_norm", Checkbox)
        assert "✓" not in box.render().plain
        box.focus()
        await pilot.press("space")
        assert box.value and "✓" in box.render().plain
        assert app.query_one(SetupColumn).config.model.batch_norm


async def test_a_named_architecture_fills_the_layer_stack(tmp_path):
    config = toy_config(tmp_path / "runs")
    config.dataset.name = "digits"
    app = TrainerApp(config)
    async with app.run_test(size=(80, 24)) as pilot:
        setup = app.query_one(SetupColumn)
        await wait_for(pilot, lambda: meta_loaded(app, "digits"), what="digits metadata")
        await pick(pilot, "cfg-ui-architecture_pick", "simple-cnn")
        assert app.query_one("#cfg-model-layers", Input).value == "simple-cnn"
        assert setup.config.model.layers == ["simple-cnn"]
        summary = str(app.query_one("#model-summary").render())
        assert "32×8×8" in summary and not setup.problems
        app.query_one("#cfg-model-layers", Input).focus()
        await pilot.press("ctrl+a", "ctrl+k", *"conv8,pool,pool,pool,pool")
        assert "model.layers" in " ".join(setup.problems)
        assert "fix the layer stack" in str(app.query_one("#model-summary").render())


async def test_the_preset_chooser_fills_the_panels(tmp_path):
    from tui_trainer.engine import list_presets, load_preset
    from tui_trainer.ui.presets_screen import PresetScreen

    app = TrainerApp(toy_config(tmp_path / "runs"))
    async with app.run_test(size=(80, 24)) as pilot:
        setup = app.query_one(SetupColumn)
        await wait_for(pilot, lambda: meta_loaded(app, "moons"), what="moons metadata")
        await pilot.press("P")
        assert isinstance(app.screen, PresetScreen)
        await pilot.press("escape")
        assert not isinstance(app.screen, PresetScreen) and setup.config.dataset.name == "moons"

        names = [preset.name for preset in list_presets()]
        await pilot.press("P", *["j"] * names.index("mnist-lenet5"), "enter")
        assert not isinstance(app.screen, PresetScreen)
        expected = load_preset("mnist-lenet5")
        assert setup.config.dataset.name == expected.dataset.name
        assert setup.config.model.layers == expected.model.layers
        assert app.query_one("#cfg-model-layers", Input).value == ",".join(expected.model.layers)
        assert setup.config.train.output_dir == str(tmp_path / "runs")  # runs still go where they went
