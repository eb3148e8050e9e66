"""The model statistics a run collects: the health warnings on networks built to vanish or die,
the stats file against the events, conv feature maps, TensorBoard histograms, resume trimming."""

import json

import pytest
import torch

from tests.toy_config import toy_config
from tui_trainer.engine.control import TrainingControl
from tui_trainer.engine.events import EpochEnd, LogMessage, ModelStats
from tui_trainer.engine.model_probe import feature_maps
from tui_trainer.engine.rundir.model_stats_file import read_model_stats
from tui_trainer.engine.rundir.writer import RunDirectory
from tui_trainer.engine.trainer import Trainer


def train_collecting(
    config, write_run_dir=False, control=None, on_epoch=None, status=("completed", "stopped")
):
    """Run `config`; return the trainer, its ModelStats events and its warning log lines."""
    stats, warnings = [], []

    def listen(event):
        if isinstance(event, ModelStats):
            stats.append(event)
        elif isinstance(event, LogMessage) and event.level == "warning":
            warnings.append(event.text)
        elif isinstance(event, EpochEnd) and on_epoch is not None:
            on_epoch(event)

    trainer = Trainer(config, listen, control=control, write_run_dir=write_run_dir)
    trainer.result = trainer.run()
    assert trainer.result.status in status, trainer.result.reason
    return trainer, stats, warnings


def test_sigmoid_with_eight_hidden_layers_warns_of_vanishing_gradients(runs_dir):
    config = toy_config(runs_dir, "model.hidden=16,16,16,16,16,16,16,16", "model.activation=sigmoid")
    _, stats, warnings = train_collecting(config)
    assert "vanishing" in {w.rule for w in stats[-1].warnings}
    (line,) = [w for w in warnings if "vanishing gradients" in w]  # logged once, not every epoch
    assert "layer 0" in line


def test_relu_with_learning_rate_one_warns_of_dead_or_exploding_units(runs_dir):
    config = toy_config(runs_dir, "model.hidden=16,16", "optimizer.lr=1.0", "train.epochs=10")
    _, stats, warnings = train_collecting(config)
    rules = {w.rule for w in stats[-1].warnings}
    assert rules & {"dead", "exploding"}, stats[-1].activations
    assert any("dead units" in w or "exploding" in w for w in warnings)


def test_a_healthy_small_network_gets_no_warning(runs_dir):
    _, stats, warnings = train_collecting(toy_config(runs_dir, "model.hidden=16,16"))
    assert stats[-1].warnings == [] and warnings == []


def test_the_stats_file_holds_each_collection_and_the_last_epoch_is_always_collected(runs_dir):
    config = toy_config(runs_dir, "model.hidden=8", "train.epochs=4")
    trainer, stats, _ = train_collecting(config, write_run_dir=True)
    stored, skipped = read_model_stats(trainer.run_dir.path)
    assert skipped == 0
    assert [s.as_record() for s in stored] == [s.as_record() for s in stats]
    last = stats[-1]
    assert (last.epoch, last.step) == (3, trainer.progress.step)
    assert all(p.grad_norm is not None for p in last.parameters)
    assert all(layer.update_ratio is not None and layer.update_ratio > 0 for layer in last.layers)
    assert last.probe_samples == len(trainer.placed.val)
    names = [name for name, _ in trainer.model.named_parameters()]
    assert [p.name for p in last.parameters] == names


def test_a_stopped_run_records_its_final_state(runs_dir):
    control = TrainingControl()
    config = toy_config(runs_dir, "train.epochs=50")
    trainer, stats, _ = train_collecting(
        config,
        control=control,
        on_epoch=lambda e: control.stop() if e.epoch == 1 else None,
        status=("stopped",),
    )
    assert trainer.progress.epochs_done == 2
    assert stats[-1].step == trainer.progress.step


def test_a_run_that_diverges_records_its_final_state_and_still_fails_cleanly(runs_dir):
    config = toy_config(
        runs_dir, "dataset.name=linear", "optimizer.name=sgd", "optimizer.lr=100", "train.epochs=5"
    )
    trainer, stats, _ = train_collecting(config, write_run_dir=True, status=("failed",))
    assert "lower the learning rate" in trainer.result.reason
    assert stats and stats[-1].step == trainer.progress.step
    stored, skipped = read_model_stats(trainer.run_dir.path)
    assert skipped == 0 and stored[-1].step == trainer.progress.step


def test_conv_models_carry_filters_and_feature_maps_of_the_first_test_sample(runs_dir):
    config = toy_config(runs_dir, "dataset.name=digits", "model.layers=conv4,pool", "train.epochs=1")
    trainer, stats, _ = train_collecting(config)
    last = stats[-1]
    assert last.probe_sample == "test sample 1"
    assert last.filters is not None and last.filters.weights.shape == (4, 1, 3, 3)
    assert torch.equal(last.filters.weights, trainer.model[0].weight.detach())
    (summary,) = last.feature_maps
    (arrays,) = last.feature_map_arrays
    assert summary.shape == (4, 8, 8) and arrays.maps.shape == (4, 8, 8)
    # the engine function the app calls for a sample it picks gives the same maps
    (again,) = feature_maps(trainer.model, trainer.placed.test.x[0], trainer.placed.eval_normalizer)
    torch.testing.assert_close(again.maps, arrays.maps)
    assert summary.active_fraction == pytest.approx(float((arrays.maps > 0).float().mean()))


def test_tensorboard_gets_histograms_and_layer_health(runs_dir):
    pytest.importorskip("tensorboard", reason="tensorboard not installed")
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    config = toy_config(runs_dir, "model.hidden=8", "train.epochs=2", "train.tensorboard=true")
    trainer, stats, _ = train_collecting(config, write_run_dir=True)
    events = EventAccumulator(str(trainer.run_dir.path / "tensorboard"), size_guidance={"histograms": 0})
    events.Reload()
    tags = events.Tags()
    assert {"weights/0.weight", "grads/0.weight", "weights/2.bias"} <= set(tags["histograms"])
    assert "health/0/grad_norm" in tags["scalars"] and "health/1/dead_fraction" in tags["scalars"]
    assert events.Histograms("weights/0.weight")[-1].step == stats[-1].epoch + 1


def test_a_resume_drops_the_statistics_of_epochs_past_its_checkpoint(tmp_path):
    path = tmp_path / "run"
    path.mkdir()
    lines = [json.dumps({"epoch": e, "step": e * 10}) for e in (1, 2, 3, 4)]
    (path / "model_stats.jsonl").write_text("\n".join(lines) + '\n{"epoch": 5, "st')  # and a torn line
    run_dir = RunDirectory.open(path, [{"epoch": 1}, {"epoch": 2}])
    run_dir.close()
    kept = [json.loads(line)["epoch"] for line in (path / "model_stats.jsonl").read_text().splitlines()]
    assert kept == [1, 2]
