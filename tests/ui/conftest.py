import html
import re
import time
from dataclasses import dataclass

import pytest
from textual.app import App
from textual.geometry import Region
from textual.widgets import Static

from tests.toy_config import toy_config as shared_toy_config
from tui_trainer.engine import TrainConfig
from tui_trainer.ui.setup import SetupColumn


def toy_config(output_dir, epochs=3, **overrides) -> TrainConfig:
    """The shared toy config (tests/toy_config.py) with `section__field=value` keywords set on it:
    the UI tests set values that have no command-line spelling, such as lists built in Python."""
    config = shared_toy_config(output_dir, f"train.epochs={epochs}")
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


def screen_text(app) -> str:
    """What the terminal shows, as plain text (from the SVG screenshot's text runs)."""
    svg = app.export_screenshot()
    runs = re.findall(r"<text[^>]*>(.*?)</text>", svg)
    return html.unescape("".join(runs)).replace("\xa0", " ")


def log_of(app) -> str:
    return "".join(line.text for line in app.query_one("#log").lines)


def static_text(app, selector) -> str:
    return str(app.query_one(selector, Static).render())


def field_error(app, key) -> str:
    return app.query_one(SetupColumn).field(key).error_text


def meta_loaded(app, name):
    setup = app.query_one(SetupColumn)
    return setup.meta is not None and setup.meta.name == name


def shown_lines(widget) -> list[str]:
    """The widget's lines as drawn at its current size."""
    width, height = widget.size
    return [strip.text for strip in widget.render_lines(Region(0, 0, width, height))]


async def train_to_the_end(pilot, dataset: str) -> None:
    """Start a run once `dataset`'s metadata has loaded, as a user would, and wait for its end."""
    app = pilot.app
    await wait_for(pilot, lambda: meta_loaded(app, dataset), what=f"{dataset} metadata")
    await pilot.press("s")
    await wait_for(pilot, lambda: app.view.finished is not None, what="the run")


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
