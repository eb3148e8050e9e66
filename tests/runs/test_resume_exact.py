"""A resumed CPU run with a fixed seed reproduces the uninterrupted run's metrics exactly."""

import random
from pathlib import Path

import numpy as np
import torch
from runs_helpers import numbers_only, read_metrics, read_summary

from tui_trainer.engine.checkpoint import load_checkpoint, restore_rng_states, rng_states, save_checkpoint
from tui_trainer.engine.control import TrainingControl
from tui_trainer.engine.events import EpochEnd, RunStarted
from tui_trainer.engine.trainer import Trainer
from tui_trainer.engine.training_state import capture_epoch_state, checkpoint_payload


class StopAfterPolls(TrainingControl):
    """Requests a stop after the loop has polled `n` times: a stop in the middle of an epoch."""

    def __init__(self, n: int):
        super().__init__()
        self.polls_left = n

    @property
    def stop_requested(self) -> bool:
        self.polls_left -= 1
        return self.polls_left < 0 or super().stop_requested


def stop_after_epoch(k: int):
    control = TrainingControl()

    def callback(event):
        if isinstance(event, EpochEnd) and event.epoch + 1 == k:
            control.stop()

    return control, callback


def straight_and_resumed(config, control, callback=None):
    straight = Trainer(config.copy()).run()
    assert straight.status == "completed"
    interrupted = Trainer(config.copy(), callback, control).run()
    assert interrupted.status == "stopped", interrupted.reason
    started = []
    resumed = Trainer(config.copy(), started.append, resume_from=interrupted.run_dir).run()
    assert resumed.status == "completed", resumed.reason
    assert resumed.run_dir == interrupted.run_dir
    return straight, interrupted, resumed, [e for e in started if isinstance(e, RunStarted)][0]


def test_resume_after_a_finished_epoch_matches_the_straight_run(tiny_config):
    config = tiny_config()
    control, callback = stop_after_epoch(2)
    straight, interrupted, resumed, started = straight_and_resumed(config, control, callback)
    assert started.start_epoch == 2
    expected = numbers_only(read_metrics(straight.run_dir))
    assert len(expected) == 4
    assert numbers_only(read_metrics(resumed.run_dir)) == expected
    assert resumed.metrics["test_loss"] == straight.metrics["test_loss"]
    summary = read_summary(resumed.run_dir)
    assert summary["resumed_from_epoch"] == 2 and summary["epochs_done"] == 4


def test_resume_after_a_stop_mid_epoch_repeats_that_epoch_exactly(tiny_config):
    config = tiny_config()
    steps_per_epoch = 6  # 84 training samples in batches of 16
    control = StopAfterPolls(steps_per_epoch + 3)  # stops during epoch 2
    straight, interrupted, resumed, started = straight_and_resumed(config, control)
    assert interrupted.epochs_done == 1 and started.start_epoch == 1
    assert numbers_only(read_metrics(resumed.run_dir)) == numbers_only(read_metrics(straight.run_dir))


def test_resume_with_the_dataloader_path_is_exact_too(tiny_config):
    config = tiny_config("dataset.loader=dataloader", "dataset.num_workers=0", "train.epochs=3")
    control, callback = stop_after_epoch(1)
    straight, _, resumed, _ = straight_and_resumed(config, control, callback)
    assert numbers_only(read_metrics(resumed.run_dir)) == numbers_only(read_metrics(straight.run_dir))


def test_a_finished_run_continues_only_with_more_epochs(tiny_config):
    config = tiny_config("train.epochs=2")
    first = Trainer(config.copy()).run()
    again = Trainer(config.copy(), resume_from=first.run_dir).run()
    assert again.status == "failed"
    assert "already trained 2 of 2 epochs" in again.reason and "\n" not in again.reason
    killed_write = Path(first.run_dir) / ".last.pt.abc123.tmp"
    killed_write.write_bytes(b"half a checkpoint")
    longer = config.with_overrides(["train.epochs=3"])
    extended = Trainer(longer, resume_from=first.run_dir).run()
    assert extended.status == "completed"
    assert [r["epoch"] for r in read_metrics(first.run_dir)] == [1, 2, 3]
    assert not killed_write.exists()


def test_resume_refuses_a_changed_model_or_optimizer(tiny_config):
    config = tiny_config("train.epochs=2")
    control, callback = stop_after_epoch(1)
    first = Trainer(config.copy(), callback, control).run()
    changed = config.with_overrides(["optimizer.name=sgd"])
    result = Trainer(changed, resume_from=first.run_dir).run()
    assert result.status == "failed"
    assert result.reason.startswith("optimizer.name cannot change on resume")


def test_resume_from_a_damaged_checkpoint_fails_with_one_line(tiny_config):
    config = tiny_config("train.epochs=1")
    first = Trainer(config.copy()).run()
    last = Path(first.run_dir) / "last.pt"
    last.write_bytes(last.read_bytes()[:100])
    result = Trainer(config.with_overrides(["train.epochs=2"]), resume_from=first.run_dir).run()
    assert result.status == "failed"
    assert "is not a readable weights file (it is truncated or damaged)" in result.reason
    assert "\n" not in result.reason


def test_checkpoints_hold_the_full_training_state(tiny_config):
    result = Trainer(tiny_config("train.epochs=2")).run()
    payload = load_checkpoint(result.run_dir)
    assert payload["progress"]["epoch"] == 2 and payload["progress"]["step"] == 12
    assert set(payload["callbacks"]["EarlyStopping"]) == {"best_val_loss", "best_epoch", "stale_epochs"}
    for key in ("state_dict", "optimizer", "scheduler", "history", "normalizer"):
        assert payload[key] is not None, key
    assert set(payload["rng"]) >= {"torch", "generator", "python", "numpy"}
    assert len(payload["history"]) == 2
    assert payload["optimizer"]["state"], "Adam moments must be saved"


def test_an_epochs_state_keeps_its_generators_and_reads_the_host_ones_when_written(tiny_config):
    trainer = Trainer(tiny_config("train.epochs=1"))
    trainer.run()
    state = capture_epoch_state(trainer)
    torch_state = torch.get_rng_state()
    torch.rand(100)  # training goes on: the epoch's record keeps its own torch state
    random.seed(7)
    np.random.seed(7)  # nothing in training draws from these: they are read at writing
    payload = checkpoint_payload(trainer, state)
    assert torch.equal(payload["rng"]["torch"], torch_state)
    version, words, gauss = payload["rng"]["python"]
    assert (version, tuple(words.tolist()), gauss) == random.getstate()
    numpy_keys = np.random.get_state(legacy=True)[1]
    assert np.array_equal(payload["rng"]["numpy"]["keys"].numpy(), numpy_keys.astype(np.int64))


def test_pythons_generator_comes_back_from_either_layout():
    generator = torch.Generator()
    random.seed(3)
    states = rng_states(generator)
    expected = [random.random() for _ in range(3)]
    version, words, gauss = states["python"]
    older = dict(states, python=(version, tuple(words.tolist()), gauss))  # a tuple of ints, as before
    for saved in (states, older):
        random.seed(99)
        restore_rng_states(saved, generator)
        assert [random.random() for _ in range(3)] == expected


def test_early_stopping_keeps_best_pt_at_the_lowest_validation_loss(tiny_config):
    # A learning rate this small leaves the validation loss unchanged, so epoch 1 stays best.
    config = tiny_config("optimizer.lr=1e-30", "model.dropout=0", "train.patience=1", "train.epochs=5")
    result = Trainer(config).run()
    assert result.status == "early_stopped"
    assert result.epochs_done == 2
    best = torch.load(f"{result.run_dir}/best.pt", weights_only=True)
    last = torch.load(f"{result.run_dir}/last.pt", weights_only=True)
    assert best["progress"]["epoch"] == 1 and last["progress"]["epoch"] == 2
    assert read_summary(result.run_dir)["best"]["epoch"] == 1
    assert best["callbacks"]["EarlyStopping"]["best_val_loss"] == read_metrics(result.run_dir)[0]["val_loss"]


def as_old_format(payload: dict) -> dict:
    """A checkpoint laid out as before progress and callback states had their own keys."""
    old = {k: v for k, v in payload.items() if k not in ("progress", "callbacks")}
    old.update(payload["progress"])  # epoch, step, train_seconds
    old["early_stopping"] = payload["callbacks"]["EarlyStopping"]
    return old


def test_a_checkpoint_from_before_callback_states_resumes_exactly(tiny_config):
    config = tiny_config("train.patience=3")
    control, callback = stop_after_epoch(2)
    straight = Trainer(config.copy()).run()
    interrupted = Trainer(config.copy(), callback, control).run()
    last = Path(interrupted.run_dir) / "last.pt"
    new = load_checkpoint(last)
    save_checkpoint(last, as_old_format(new))
    old = load_checkpoint(last)
    assert "progress" not in old and "callbacks" not in old and old["epoch"] == 2
    assert old["early_stopping"]["best_epoch"] >= 0
    resumed = Trainer(config.copy(), resume_from=interrupted.run_dir).run()
    assert resumed.status == "completed", resumed.reason
    assert numbers_only(read_metrics(resumed.run_dir)) == numbers_only(read_metrics(straight.run_dir))
    summary = read_summary(resumed.run_dir)
    assert summary["resumed_from_epoch"] == 2 and summary["steps"] == read_summary(straight.run_dir)["steps"]
    assert summary["best"] == read_summary(straight.run_dir)["best"]
    assert load_checkpoint(last)["progress"]["epoch"] == 4, "the next checkpoint is in the new layout"
