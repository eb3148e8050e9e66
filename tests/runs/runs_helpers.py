"""Shared helpers for the run-directory tests."""

import json
from pathlib import Path

TIMING_KEYS = ("seconds", "samples_per_sec")


def read_metrics(run_dir) -> list[dict]:
    lines = (Path(run_dir) / "metrics.jsonl").read_text().splitlines()
    return [json.loads(line) for line in lines]


def numbers_only(records: list[dict]) -> list[dict]:
    """Metrics without the timing fields, which differ between any two runs."""
    return [{k: v for k, v in r.items() if k not in TIMING_KEYS} for r in records]


def read_summary(run_dir) -> dict:
    return json.loads((Path(run_dir) / "summary.json").read_text())
