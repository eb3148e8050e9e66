"""Run directories written as a finished run leaves them (config.toml, metrics.jsonl,
summary.json), with chosen numbers: for the tests of the runs table, the Runs screen and --runs,
where the numbers must be known and a real training would take seconds per run."""

import json
import time
from pathlib import Path

from tui_trainer.engine.config import TrainConfig


def write_past_run(
    root: Path,
    stamp: str,
    name: str,
    val_losses: list[float],
    val_accuracies: list[float | None],
    dataset: str = "moons",
    summary: bool = True,
) -> Path:
    """`root/<stamp>-<name>/` of a run that trained len(val_losses) epochs, started at `stamp`
    (YYYYmmdd-HHMMSS); its summary's "best" record is the lowest-loss epoch, as the engine writes it."""
    run = root / f"{stamp}-{name}"
    run.mkdir(parents=True)
    config = TrainConfig()
    config.dataset.name = dataset
    config.train.run_name = name
    config.train.epochs = len(val_losses)
    (run / "config.toml").write_text(config.to_toml())
    lines = [
        {"epoch": i + 1, "train_loss": loss + 0.1, "val_loss": loss, "val_accuracy": acc, "lr": 0.001}
        for i, (loss, acc) in enumerate(zip(val_losses, val_accuracies, strict=True))
    ]
    (run / "metrics.jsonl").write_text("".join(json.dumps(line) + "\n" for line in lines))
    if summary:
        best = min(range(len(val_losses)), key=lambda i: val_losses[i])
        started = time.strftime("%Y-%m-%dT%H:%M:%S", time.strptime(stamp, "%Y%m%d-%H%M%S"))
        record = {
            "status": "completed",
            "reason": f"trained {len(val_losses)} epochs",
            "epochs_done": len(val_losses),
            "epochs_planned": len(val_losses),
            "best": {"epoch": best + 1, "val_loss": val_losses[best], "val_accuracy": val_accuracies[best]},
            "started_at": started,
            "wall_seconds": 12.5,
        }
        (run / "summary.json").write_text(json.dumps(record))
    return run
