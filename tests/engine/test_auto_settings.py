"""loss.name=auto, train.epochs=auto, regression target scaling and balanced class weights."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from tui_trainer.engine.auto_settings import AUTO_MAX_EPOCHS, AUTO_PATIENCE, auto_epochs
from tui_trainer.engine.checkpoint import LAST_CHECKPOINT
from tui_trainer.engine.components import build_loss, class_weights_for
from tui_trainer.engine.config import ConfigError, TrainConfig
from tui_trainer.engine.events import Evaluation, LogMessage
from tui_trainer.engine.export import load_for_export
from tui_trainer.engine.rundir.weights import load_model
from tui_trainer.engine.trainer import Trainer


def regression_csv(tmp_path, n=300, seed=0):
    """A table whose target lives far from 0 with a large spread: y = 1000 + 300 x1 - 200 x2."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 2))
    y = 1000 + 300 * x[:, 0] - 200 * x[:, 1] + rng.normal(scale=5, size=n)
    path = tmp_path / "table.csv"
    rows = "".join(f"{r[0]:.5f},{r[1]:.5f},{t:.3f}\n" for r, t in zip(x, y, strict=True))
    path.write_text("a,b,price\n" + rows)
    return path


def csv_config(tmp_path, path, *overrides):
    config = TrainConfig()
    config.dataset.name = f"csv:{path}"
    config.dataset.target = "price"
    config.train.device = "cpu"
    config.train.output_dir = str(tmp_path / "runs")
    for assignment in overrides:
        config.set(assignment)
    return config


def test_auto_epochs_rule_gives_small_sets_1000_steps_and_large_sets_10_epochs():
    assert auto_epochs(700, 64) == (91, 11)  # a 1,000-sample toy's training split
    assert auto_epochs(124, 64) == (AUTO_MAX_EPOCHS, 2)  # wine: capped
    assert auto_epochs(42_000, 64) == (10, 657)  # MNIST-sized: the old default
    assert auto_epochs(700, 64, world_size=2)[1] == 6


def test_epochs_auto_is_written_auto_or_0_and_negative_is_refused():
    config = TrainConfig()
    assert config.train.epochs == 0 and config.loss.name == "auto"
    config.set("train.epochs=auto")
    assert config.train.epochs == 0
    assert TrainConfig.from_dict({"train": {"epochs": "auto"}}).train.epochs == 0
    with pytest.raises(ConfigError, match=r"train\.epochs must be >= 1, or auto \(0\), got -3"):
        TrainConfig().with_overrides(["train.epochs=-3"])
    with pytest.raises(ConfigError, match="loss.class_weights=balanced applies to cross_entropy and nll"):
        TrainConfig().with_overrides(["loss.name=mse", "loss.one_hot=true", "loss.class_weights=balanced"])


def test_auto_settings_resolve_at_set_up_and_are_logged(tmp_path):
    path = regression_csv(tmp_path)
    logs: list[str] = []
    trainer = Trainer(
        csv_config(tmp_path, path, "train.epochs=0"),
        lambda e: logs.append(e.text) if isinstance(e, LogMessage) else None,
        write_run_dir=False,
    )
    trainer.control.stop()  # set-up runs in full; no epoch is trained
    trainer.run()
    # 300 rows: 210 train, 4 steps/epoch -> 250 epochs wanted, capped
    assert trainer.config.loss.name == "mse" and trainer.config.train.epochs == AUTO_MAX_EPOCHS
    assert trainer.config.train.patience == AUTO_PATIENCE == trainer.early_stopping.patience
    text = "\n".join(logs)
    assert "loss.name auto: mse for regression" in text
    assert f"train.epochs auto: {AUTO_MAX_EPOCHS} epochs (4 steps/epoch" in text
    assert "regression target standardised for training" in text


def test_regression_metrics_are_in_the_targets_units_and_match_the_predictions(tmp_path):
    path = regression_csv(tmp_path)
    evaluations: list[Evaluation] = []
    config = csv_config(tmp_path, path, "train.epochs=30", "optimizer.lr=0.01")
    trainer = Trainer(config, lambda e: evaluations.append(e) if isinstance(e, Evaluation) else None)
    result = trainer.run()
    assert result.status == "completed", result.reason
    meta, placed = trainer.meta, trainer.placed
    # The scaling is the training split's: the stored (scaled) targets have mean 0 and std 1.
    assert abs(float(placed.train.y.mean())) < 1e-4 and abs(float(placed.train.y.std()) - 1) < 1e-4
    assert 900 < meta.target_mean < 1100 and 250 < meta.target_scale < 450
    # By hand: the raw network's outputs, unscaled, against the validation targets as written in the CSV.
    model = trainer.model.eval()
    with torch.no_grad():
        raw = model(placed.eval_normalizer(placed.val.x)).view(-1).double()
    pred = raw * meta.target_scale + meta.target_mean
    true = placed.val.y.view(-1).double()
    mse = float(((pred - true) ** 2).mean())
    r2 = 1 - mse / float(((true - true.mean()) ** 2).mean())
    val = [e for e in evaluations if e.split == "val"][-1]
    assert math.isclose(val.extra["mse"], mse, rel_tol=1e-4)
    assert math.isclose(val.extra["mae"], float((pred - true).abs().mean()), rel_tol=1e-4)
    assert math.isclose(val.extra["r2"], r2, rel_tol=1e-4) and r2 > 0.95
    assert math.isclose(float(val.regression.predictions[0]), float(pred[0]), rel_tol=1e-4)
    assert math.isclose(val.samples[0].predicted, float(pred[0]), rel_tol=1e-4)
    assert val.samples[0].target == pytest.approx(float(true[0]), rel=1e-6)
    # The loss is the training loss's kind: MSE on the standardised target.
    assert math.isclose(val.loss, mse / meta.target_scale**2, rel_tol=1e-3)
    # model.pt and the export carry the scaling: the exported model outputs original units.
    _, _, saved_meta = load_model(result.run_dir)
    assert saved_meta.target_mean == meta.target_mean and saved_meta.target_scale == meta.target_scale
    exported, _ = load_for_export(result.run_dir)
    with torch.no_grad():
        assert torch.allclose(exported(placed.val.x).view(-1).double(), pred, rtol=1e-4)


def test_target_normalization_none_trains_on_raw_targets(tmp_path):
    path = regression_csv(tmp_path, n=120)
    trainer = Trainer(
        csv_config(tmp_path, path, "train.epochs=1", "dataset.target_normalization=none"), write_run_dir=False
    )
    assert trainer.run().status == "completed"
    assert trainer.meta.target_mean is None and trainer.placed.target_scaling is None
    assert float(trainer.placed.train.y.mean()) > 900


def test_resume_keeps_the_checkpoints_scaling_and_old_checkpoints_stay_raw(tmp_path):
    path = regression_csv(tmp_path, n=120)
    first = Trainer(csv_config(tmp_path, path, "train.epochs=1")).run()
    run_dir = tmp_path / "runs" / first.run_dir.split("/")[-1]
    resumed = Trainer(csv_config(tmp_path, path, "train.epochs=2", "loss.name=mse"), resume_from=run_dir)
    assert resumed.run().status == "completed"
    assert resumed.placed.target_scaling is not None
    saved = torch.load(run_dir / LAST_CHECKPOINT, weights_only=True)
    assert saved["meta"]["target_mean"] == resumed.meta.target_mean
    # A checkpoint from before target scaling (no target_mean in its meta) trained on raw targets.
    for key in ("target_mean", "target_scale"):
        del saved["meta"][key]
    torch.save(saved, run_dir / LAST_CHECKPOINT)
    old = Trainer(csv_config(tmp_path, path, "train.epochs=3", "loss.name=mse"), resume_from=run_dir)
    assert old.run().status == "completed", "an old checkpoint must still load"
    assert old.placed.target_scaling is None and old.meta.target_mean is None
    assert float(old.placed.train.y.mean()) > 900


def test_balanced_class_weights_are_inverse_class_frequency_of_the_training_split():
    config = TrainConfig().with_overrides(["loss.class_weights=balanced"])
    y = torch.tensor([0] * 90 + [1] * 10)
    weights = class_weights_for(config, y, 3)
    # scikit-learn's compute_class_weight("balanced"): n / (classes * count); absent class 0.
    assert weights.tolist() == pytest.approx([100 / (3 * 90), 100 / (3 * 10), 0.0])
    loss = build_loss(config.with_overrides(["loss.name=cross_entropy"]), y, 3)
    assert torch.allclose(loss.weight, weights)
    assert class_weights_for(TrainConfig(), y, 3) is None


def test_balanced_class_weights_lift_the_rare_class(tmp_path):
    rng = np.random.default_rng(1)
    rows = ["x1,x2,label"]
    for i in range(400):
        rare = i % 20 == 0
        x = rng.normal(loc=1.0 if rare else -0.2, size=2)
        rows.append(f"{x[0]:.4f},{x[1]:.4f},{'rare' if rare else 'common'}")
    path = tmp_path / "skewed.csv"
    path.write_text("\n".join(rows) + "\n")

    def recall_of_rare(weights: str) -> float:
        config = csv_config(tmp_path, path, "train.epochs=20", f"loss.class_weights={weights}")
        config.dataset.target = "label"
        config.dataset.val_fraction, config.dataset.test_fraction = 0.5, 0.0
        out: list[Evaluation] = []
        Trainer(
            config, lambda e: out.append(e) if isinstance(e, Evaluation) else None, write_run_dir=False
        ).run()
        val = [e for e in out if e.split == "val"][-1]
        return val.recall[val.class_names.index("rare")]

    assert recall_of_rare("balanced") > recall_of_rare("none")
