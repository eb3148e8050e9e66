"""A resumed run keeps the start time of its first session and adds up its time over sessions."""

from runs_helpers import read_summary

from tui_trainer.engine.trainer import Trainer


def test_a_resumed_run_keeps_its_first_start_and_sums_its_time(tiny_config):
    first = Trainer(tiny_config("train.epochs=2")).run()
    assert first.status == "completed", first.reason
    before = read_summary(first.run_dir)

    resumed = Trainer(tiny_config("train.epochs=4"), resume_from=first.run_dir).run()
    assert resumed.status == "completed", resumed.reason
    after = read_summary(first.run_dir)
    assert after["epochs_done"] == 4
    assert after["started_at"] == before["started_at"]
    # Both sessions' time (the first one's up to its last checkpoint, then this one's).
    assert after["wall_seconds"] > before["wall_seconds"] and after["wall_seconds"] > resumed.seconds
    assert after["train_seconds"] > before["train_seconds"]
