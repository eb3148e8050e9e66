import torch
from torch import nn

from tui_trainer.engine.device import tune_for_model


def test_cudnn_autotuning_only_for_conv_models_on_cuda(monkeypatch):
    monkeypatch.setattr(torch.backends.cudnn, "benchmark", False)
    conv = nn.Sequential(nn.Conv2d(1, 4, 3), nn.Flatten())
    mlp = nn.Sequential(nn.Linear(4, 2))
    assert not tune_for_model(conv, torch.device("cpu"))
    assert not tune_for_model(mlp, torch.device("cuda"))
    assert torch.backends.cudnn.benchmark is False
    # Only the flag is set: nothing runs on the device, so this holds on a machine without a GPU.
    assert tune_for_model(conv, torch.device("cuda"))
    assert torch.backends.cudnn.benchmark is True
