"""TensorBoard logging as an event consumer."""

import sys

import pytest
import torch

from tui_trainer.engine.tensorboard import confusion_image
from tui_trainer.engine.trainer import Trainer


def test_confusion_image_shades_each_row_by_its_share():
    image = confusion_image(torch.tensor([[3, 1], [0, 0]]))
    assert image.shape == (3, 24, 24) and image.dtype.name == "uint8"
    assert image[:, 0, 0].tolist() != image[:, 0, 12].tolist()  # 75% versus 25% of class 0
    assert image[:, 12, 0].tolist() == [255, 255, 255]  # an empty row stays white


def test_missing_tensorboard_is_a_one_line_failure(tiny_config, monkeypatch):
    monkeypatch.setitem(sys.modules, "torch.utils.tensorboard", None)
    result = Trainer(tiny_config("train.tensorboard=true")).run()
    assert result.status == "failed"
    assert "pip install 'tui-trainer[tensorboard]'" in result.reason
    assert result.run_dir is None, "the check comes before any file is written"


def test_scalars_and_confusion_images_are_logged(tiny_config):
    pytest.importorskip(
        "tensorboard", reason="tensorboard not installed (pip install 'tui-trainer[tensorboard]')"
    )
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    result = Trainer(tiny_config("train.tensorboard=true", "train.epochs=2")).run()
    assert result.status == "completed", result.reason
    events = EventAccumulator(f"{result.run_dir}/tensorboard", size_guidance={"images": 0, "scalars": 0})
    events.Reload()
    tags = events.Tags()
    assert [e.step for e in events.Scalars("epoch/val_loss")] == [1, 2]
    assert [e.step for e in events.Scalars("train/step_loss")] == list(range(1, 13))
    assert "val/confusion" in tags["images"] and "test/confusion" in tags["images"]
    assert len(events.Images("val/confusion")) == 2
    assert events.Scalars("test/accuracy")[0].value == pytest.approx(result.metrics["test_accuracy"])
