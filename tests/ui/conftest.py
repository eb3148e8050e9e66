import time
from dataclasses import dataclass

import pytest
from textual.app import App

from tui_trainer.engine.config import TrainConfig


def toy_config(output_dir, epochs=3, **overrides) -> TrainConfig:
    """A tiny, fast moons run writing into a temporary directory."""
    config = TrainConfig()
    config.dataset.name = "moons"
    config.dataset.n_samples = 300
    config.dataset.batch_size = 32
    config.model.hidden = [16]
    config.train.epochs = epochs
    config.train.device = "cpu"
    config.train.output_dir = str(output_dir)
    config.train.n_samples_shown = 12
    for key, value in overrides.items():
        section, name = key.split("__")
        setattr(getattr(config, section), name, value)
    return config


async def wait_for(pilot, predicate, timeout: float = 60.0, what: str = "condition"):
    """Let the app run until `predicate()` holds; fail with `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        await pilot.pause(0.05)


@pytest.fixture
def make_config(tmp_path):
    def make(**kwargs):
        return toy_config(tmp_path / "runs", **kwargs)

    return make


@dataclass
class SentNotification:
    message: str
    title: str
    severity: str


def notifications(app: App) -> list[SentNotification]:
    """What `app.notify` was called with so far (recorded by the fixture below)."""
    return vars(app).setdefault("sent_notifications", [])


@pytest.fixture(autouse=True)
def record_notifications(monkeypatch):
    """Every app records its notifications, read with `notifications(app)`."""
    notify = App.notify

    def recording(self, message, *, title="", severity="information", **kwargs):
        notifications(self).append(SentNotification(str(message), title, severity))
        return notify(self, message, title=title, severity=severity, **kwargs)

    monkeypatch.setattr(App, "notify", recording)
