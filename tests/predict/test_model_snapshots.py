"""The weights a run sends after each evaluation when its control asks (the app's Try tab), and a
table sample turned back into the row of cells a form shows."""

from __future__ import annotations

import torch

from tests.toy_config import toy_config
from tui_trainer.engine import (
    EventListener,
    ModelSnapshot,
    Predictor,
    Preprocessing,
    Trainer,
    TrainingControl,
)
from tui_trainer.engine.datasets.registry import load_dataset


class Snapshots(EventListener):
    def __init__(self) -> None:
        self.received: list[ModelSnapshot] = []

    def on_model_snapshot(self, event: ModelSnapshot) -> None:
        self.received.append(event)


def test_a_run_asked_for_snapshots_sends_one_per_epoch_with_the_final_weights_last(tmp_path):
    control, listener = TrainingControl(), Snapshots()
    control.request_model_snapshots()
    result = Trainer(toy_config(tmp_path, "train.epochs=3"), listener, control).run()
    assert result.status == "completed"
    assert [s.epoch for s in listener.received] == [0, 1, 2]
    last = listener.received[-1]
    assert all(t.device.type == "cpu" for t in last.state_dict.values())
    first_layer = next(iter(last.state_dict))
    assert not torch.equal(listener.received[0].state_dict[first_layer], last.state_dict[first_layer])

    saved = Predictor.load(result.run_dir)  # model.pt holds the weights the last evaluation measured
    live = Predictor.from_snapshot(last)
    points = torch.tensor([[0.0, 0.5], [1.0, -0.3], [-0.8, 0.9]])
    assert torch.equal(live.outputs(points), saved.outputs(points))
    assert live.preprocessing.to_json() == Preprocessing.load(result.run_dir).to_json()


def test_a_run_nobody_asked_sends_no_snapshot(tmp_path):
    listener = Snapshots()
    Trainer(toy_config(tmp_path, "train.epochs=2"), listener).run()
    assert listener.received == []


def test_a_table_sample_reads_back_as_the_row_that_encodes_to_it(fruit_run):
    run, _path = fruit_run
    config = run.trainer.config
    data = load_dataset(config.dataset, config.train.seed)
    prep = Preprocessing.load(run.run_dir)
    stored = data.test.x[:20]
    rows = [prep.table_row(sample) for sample in stored]
    assert set(rows[0]) == {"size", "weight", "colour"}
    assert torch.equal(prep.encode(rows), stored)
