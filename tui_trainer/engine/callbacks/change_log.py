"""The settings changed part-way through a run, in order (`engine.setting_changes`): each is a
line of metrics.jsonl when it happens, and all of them ride in last.pt, so a resume that rewrites
metrics.jsonl from its checkpoint keeps those made before it."""

from __future__ import annotations

from typing import Any

from tui_trainer.engine.callbacks.base import Callback
from tui_trainer.engine.setting_changes import SettingChange


class ChangeLog(Callback):
    def __init__(self) -> None:
        self.changes: list[SettingChange] = []

    def record(self, trainer: Any, changes: list[SettingChange]) -> None:
        self.changes.extend(changes)
        if trainer.run_dir is not None:
            for change in changes:
                trainer.run_dir.append_metrics(change.as_record())

    def state_dict(self) -> dict[str, Any]:
        return {"changes": [change.as_record() for change in self.changes]} if self.changes else {}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.changes = [SettingChange.from_record(record) for record in state.get("changes", [])]
