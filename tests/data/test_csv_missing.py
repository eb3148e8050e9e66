"""Missing values in `csv:` tables: the training median for numbers, a category for text, rows
without a target dropped, mostly-empty columns skipped; a stray word is still an error."""

from __future__ import annotations

import re
import statistics

import pytest
import torch
from batch_cli import batch_args, run_cli, single_run_dir, summary

from tui_trainer.engine.config import ConfigError, TrainConfig
from tui_trainer.engine.datasets import load_dataset

MARKERS = ["", "NA", "NaN", "?", "null", "NA"]


def _cfg(path, target):
    cfg = TrainConfig().dataset
    cfg.name, cfg.target = f"csv:{path}", target
    return cfg


def _cars(tmp_path, n=100):
    """id, horsepower (6 cells missing, one of each marker), colour (3 missing), mpg target."""
    lines = ["id,horsepower,colour,mpg"]
    missing_hp = {7: 0, 19: 1, 33: 2, 48: 3, 71: 4, 90: 5}
    for i in range(n):
        horsepower = MARKERS[missing_hp[i]] if i in missing_hp else str(60 + (i * 37) % 120 + (i % 4) * 0.5)
        colour = "" if i in (3, 50, 77) else ["red", "blue", "grey"][i % 3]
        lines.append(f"{i},{horsepower},{colour},{10 + (i * 13) % 35 + 0.25}")
    path = tmp_path / "cars.csv"
    path.write_text("\n".join(lines) + "\n")
    return path, missing_hp


@pytest.mark.parametrize("seed", [0, 3])
def test_numeric_missing_values_get_the_training_splits_median(tmp_path, seed):
    path, missing_hp = _cars(tmp_path)
    splits = load_dataset(_cfg(path, "mpg"), seed=seed)
    names = splits.meta.feature_names
    hp, ident = names.index("horsepower"), names.index("id")
    # The rows that load_dataset put in training, found by their id, give the expected median.
    train_ids = {int(v) for v in splits.train.x[:, ident].tolist()}
    raw = {int(line.split(",")[0]): line.split(",")[1] for line in path.read_text().splitlines()[1:]}
    expected = statistics.median(float(raw[i]) for i in train_ids if i not in missing_hp)
    notes = [n for n in splits.meta.notes if n.startswith("column horsepower:")]
    assert notes == [f"column horsepower: 6 missing values filled with the median {expected:g}"]
    everything = torch.cat([splits.train.x, splits.val.x, splits.test.x])
    filled = everything[[int(i) in missing_hp for i in everything[:, ident].tolist()], hp]
    assert filled.tolist() == [pytest.approx(expected)] * 6
    assert not torch.isnan(everything).any()


def test_all_rows_median_differs_from_the_training_median(tmp_path):
    path, missing_hp = _cars(tmp_path)
    raw = [line.split(",")[1] for line in path.read_text().splitlines()[1:]]
    overall = statistics.median(float(v) for i, v in enumerate(raw) if i not in missing_hp)
    medians = set()
    for seed in (0, 3):
        note = next(n for n in load_dataset(_cfg(path, "mpg"), seed=seed).meta.notes if "horsepower" in n)
        medians.add(float(re.search(r"median (\S+)$", note).group(1)))
    assert overall not in medians


def test_text_missing_values_are_their_own_category(tmp_path):
    path, _ = _cars(tmp_path)
    meta = load_dataset(_cfg(path, "mpg"), seed=0).meta
    assert [n for n in meta.feature_names if n.startswith("colour=")] == [
        "colour=blue",
        "colour=grey",
        "colour=red",
        "colour=(missing)",
    ]


def test_missing_target_drops_the_row_with_a_note(tmp_path):
    rows = "".join(
        f"{i},{i % 3},{'' if i in (4, 9) else ('NA' if i == 15 else 'xy'[i % 2])}\n" for i in range(40)
    )
    path = tmp_path / "t.csv"
    path.write_text("a,b,label\n" + rows)
    meta = load_dataset(_cfg(path, "label"), seed=0).meta
    assert meta.n_train + meta.n_val + meta.n_test == 37
    assert "3 rows without a value in the target column 'label' dropped" in meta.notes


def test_mostly_missing_column_is_skipped_with_a_note(tmp_path):
    rows = "".join(f"{i},{i if i % 3 == 0 else 'NA'},{'xy'[i % 2]}\n" for i in range(30))
    path = tmp_path / "t.csv"
    path.write_text("a,sparse,label\n" + rows)
    meta = load_dataset(_cfg(path, "label"), seed=0).meta
    assert meta.feature_names == ["a"]
    assert "column 'sparse' skipped: 20 of 30 values are missing" in meta.notes


def test_a_word_among_missing_markers_is_still_an_error(tmp_path):
    rows = "".join(f"{'NA' if i == 2 else ('three' if i == 5 else i)},{i % 2}\n" for i in range(30))
    path = tmp_path / "t.csv"
    path.write_text("a,label\n" + rows)
    with pytest.raises(
        ConfigError, match=r"^t.csv line 7, column 'a': 'three' is not a number \(the column is numeric\)"
    ):
        load_dataset(_cfg(path, "label"), seed=0)


@pytest.mark.slow
def test_missing_values_note_is_in_the_batch_log(tmp_path):
    path, _ = _cars(tmp_path)
    out = tmp_path / "runs"
    result = run_cli(*batch_args(f"csv:{path}", tmp_path, out, "dataset.target=mpg", "loss.name=mse"))
    assert result.returncode == 0, result.stderr
    assert re.search(r"column horsepower: 6 missing values filled with the median [0-9.]+", result.stdout)
    assert summary(single_run_dir(out))["status"] == "completed"


def test_spaces_around_numbers_and_markers_are_ignored(tmp_path):
    rows = "".join(f"{' NA ' if i == 4 else f' {i} '}, {i % 3} ,{'xy'[i % 2]}\n" for i in range(30))
    path = tmp_path / "t.csv"
    path.write_text("a,b,label\n" + rows)
    splits = load_dataset(_cfg(path, "label"), seed=0)
    assert splits.meta.feature_names == ["a", "b"]
    assert any(n.startswith("column a: 1 missing value filled with the median") for n in splits.meta.notes)
    everything = torch.cat([splits.train.x, splits.val.x, splits.test.x])
    assert sorted(everything[:, 1].tolist()) == sorted(float(i % 3) for i in range(30))
