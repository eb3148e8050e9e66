"""Callbacks keep their own state across a resume; listeners dispatch by event type."""

import dataclasses
import typing

from tests.toy_config import toy_config
from tui_trainer.engine import events
from tui_trainer.engine.callbacks import Callback
from tui_trainer.engine.checkpoint import load_checkpoint
from tui_trainer.engine.config import TrainConfig
from tui_trainer.engine.control import TrainingControl
from tui_trainer.engine.events import BatchEnd, EpochEnd, EventListener, RunFinished, RunStarted
from tui_trainer.engine.trainer import Trainer


def small_config(runs_dir, epochs: int = 4) -> TrainConfig:
    return toy_config(
        runs_dir,
        "dataset.name=spirals",
        "dataset.n_samples=120",
        "dataset.batch_size=16",
        "model.hidden=8",
        f"train.epochs={epochs}",
        "train.report_every_ms=10",
    )


class EpochCounter(Callback):
    """Counts epochs over every session of a run: state that only survives through last.pt."""

    def __init__(self):
        self.epochs_seen = 0
        self.hooks: list[str] = []
        self.reports: list[BatchEnd] = []

    def on_run_start(self, trainer):
        self.hooks.append("run_start")

    def on_batch_end(self, trainer, report):
        self.reports.append(report)

    def on_evaluation(self, trainer, evaluation):
        self.hooks.append(f"evaluation:{evaluation.split}")

    def on_epoch_end(self, trainer, epoch):
        self.epochs_seen += 1
        self.hooks.append(f"epoch_end:{trainer.progress.epochs_done}")

    def on_run_end(self, trainer, finished):
        self.hooks.append(f"run_end:{finished.status}")

    def state_dict(self):
        return {"epochs_seen": self.epochs_seen}

    def load_state_dict(self, state):
        self.epochs_seen = state["epochs_seen"]


def test_a_callback_sees_the_run_in_order_and_its_state_survives_a_resume(runs_dir):
    control = TrainingControl()

    def stop_after_epoch_2(event):
        if isinstance(event, EpochEnd) and event.epoch == 1:
            control.stop()

    first = EpochCounter()
    stopped = Trainer(small_config(runs_dir), stop_after_epoch_2, control, callbacks=[first]).run()
    assert stopped.status == "stopped"
    assert first.hooks == [
        "run_start",
        "evaluation:val",
        "epoch_end:1",
        "evaluation:val",
        "epoch_end:2",
        "evaluation:test",
        "run_end:stopped",
    ]
    assert load_checkpoint(stopped.run_dir)["callbacks"]["EpochCounter"] == {"epochs_seen": 2}

    second = EpochCounter()
    batches = []
    resumed = Trainer(
        small_config(runs_dir), batches.append, resume_from=stopped.run_dir, callbacks=[second]
    ).run()
    assert resumed.status == "completed", resumed.reason
    assert second.epochs_seen == 4, "counted on from the checkpoint's state"
    assert second.hooks[-2:] == ["evaluation:test", "run_end:completed"]
    # Every progress report the listeners got went through the callback first.
    assert second.reports == [e for e in batches if isinstance(e, BatchEnd)]


def test_every_event_type_has_its_listener_method():
    event_types = typing.get_args(events.Event)
    declared = {c for c in vars(events).values() if isinstance(c, type) and hasattr(c, "listener_method")}
    assert declared == set(event_types), "every event class is in the Event union"
    methods = {cls.listener_method for cls in event_types}
    assert len(methods) == len(event_types), "one method per event type"
    for cls in event_types:
        assert "listener_method" not in {f.name for f in dataclasses.fields(cls)}, "a class constant"
        assert callable(getattr(EventListener, cls.listener_method)), cls.__name__


def test_a_listener_gets_each_event_at_its_own_method(runs_dir):
    class Seen(EventListener):
        def __init__(self):
            self.kinds: list[str] = []

        def on_run_start(self, event):
            self.kinds.append("start")

        def on_epoch_end(self, event):
            self.kinds.append(f"epoch {event.epoch + 1}")

        def on_run_end(self, event):
            self.kinds.append(event.status)

    seen = Seen()
    result = Trainer(small_config(runs_dir, epochs=2), seen, write_run_dir=False).run()
    assert isinstance(result, RunFinished) and result.status == "completed"
    assert seen.kinds == ["start", "epoch 1", "epoch 2", "completed"]
    assert RunStarted.listener_method == "on_run_start"
