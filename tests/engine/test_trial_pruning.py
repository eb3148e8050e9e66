"""A search's pruning callback: each epoch's validation loss is reported, and a prune ends the
run after that epoch with the status "pruned" (its files written as for any other end)."""

import json
from pathlib import Path

from tests.toy_config import toy_config
from tui_trainer.engine.callbacks import TrialPruning
from tui_trainer.engine.trainer import Trainer


def test_a_pruned_run_ends_after_that_epoch_with_status_pruned(runs_dir):
    reported = []

    def report(epoch, val_loss):
        reported.append((epoch, val_loss))
        return "worse than the median" if epoch == 1 else None

    finished = Trainer(toy_config(runs_dir, "train.epochs=5"), callbacks=[TrialPruning(report)]).run()
    assert (finished.status, finished.reason, finished.epochs_done) == ("pruned", "worse than the median", 2)
    assert [epoch for epoch, _ in reported] == [0, 1]
    metrics = (Path(finished.run_dir) / "metrics.jsonl").read_text().splitlines()
    assert [json.loads(line)["val_loss"] for line in metrics] == [loss for _, loss in reported]
    summary = json.loads((Path(finished.run_dir) / "summary.json").read_text())
    assert summary["status"] == "pruned" and (Path(finished.run_dir) / "model.pt").exists()


def test_a_trial_never_pruned_trains_every_epoch(runs_dir):
    reported = []
    pruning = TrialPruning(lambda epoch, loss: reported.append(epoch))
    finished = Trainer(toy_config(runs_dir, "train.epochs=3"), callbacks=[pruning]).run()
    assert finished.status == "completed" and reported == [0, 1, 2]


def test_a_prune_after_the_last_epoch_leaves_the_run_completed(runs_dir):
    pruning = TrialPruning(lambda epoch, loss: "worse than the median")
    finished = Trainer(toy_config(runs_dir, "train.epochs=1"), callbacks=[pruning]).run()
    assert finished.status == "completed" and finished.epochs_done == 1
