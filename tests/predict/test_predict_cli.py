"""`tui-trainer --predict INPUT... RUN_DIR`: its outputs (CSV file, terminal table, piped lines, the
score) and every bad input as one line on stderr with exit code 2."""

from __future__ import annotations

import csv
import io
import shutil

import pytest
from rich.console import Console

from tests.data.batch_cli import run_cli
from tests.predict.predict_data import rows_in_test_split, write_rows
from tui_trainer.cli import main
from tui_trainer.exit_codes import EXIT_BAD_CONFIG, EXIT_OK
from tui_trainer.predict_command import MAX_TABLE_ROWS, predict_and_report


def fruit_rows(fruit_run, folder, drop=(), rows=None):
    run, path = fruit_run
    rows = rows if rows is not None else rows_in_test_split(150, run.trainer.config)
    return write_rows(path, rows, folder / "rows.csv", drop)


def one_error_line(capsys) -> str:
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("tui-trainer: error: "), captured.err
    assert "Traceback" not in captured.err
    return lines[0]


@pytest.mark.slow
def test_the_console_script_prints_one_line_per_row_and_the_score(fruit_run, tmp_path):
    rows = fruit_rows(fruit_run, tmp_path)
    result = run_cli("--predict", str(rows), str(fruit_run[0].run_dir), "--top", "2")
    assert result.returncode == EXIT_OK, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].split("\t") == ["id", "predicted", "probability", "top 2", "target"]
    assert [line.split("\t")[0] for line in lines[1:16]] == [str(i) for i in range(1, 16)]
    accuracy = fruit_run[0].summary_metrics["test_accuracy"]
    assert f"accuracy {accuracy * 100:.2f}% on 15 inputs" in result.stdout
    assert "confusion matrix" in result.stdout and "│ precision │" in result.stdout


@pytest.mark.slow
def test_the_console_script_refuses_a_table_without_a_training_column(fruit_run, tmp_path):
    rows = fruit_rows(fruit_run, tmp_path, drop=("weight",))
    result = run_cli("--predict", str(rows), str(fruit_run[0].run_dir))
    assert result.returncode == EXIT_BAD_CONFIG and "Traceback" not in result.stderr
    assert result.stderr.strip() == (
        "tui-trainer: error: rows.csv has no column 'weight', which the run was trained on; add it "
        "(the run's input columns: 'size', 'weight', 'colour')"
    )


def test_out_writes_every_prediction_with_its_top_classes(fruit_run, tmp_path, capsys):
    rows, out = fruit_rows(fruit_run, tmp_path, drop=("fruit",)), tmp_path / "predictions.csv"
    assert main(["--predict", str(rows), str(fruit_run[0].run_dir), "--out", str(out)]) == EXIT_OK
    assert capsys.readouterr().out.strip() == f"wrote 15 predictions to {out}"
    with open(out, newline="") as handle:
        table = list(csv.DictReader(handle))
    assert list(table[0]) == [
        "id", "predicted", "probability", "top1", "top1_probability", "top2", "top2_probability",
        "top3", "top3_probability",
    ]  # fmt: skip
    assert len(table) == 15
    for row in table:
        assert row["predicted"] == row["top1"] and row["probability"] == row["top1_probability"]
        total = sum(float(row[f"top{k}_probability"]) for k in (1, 2, 3))
        assert total == pytest.approx(1.0, abs=1e-5)  # three classes: the top 3 are all of them


def test_a_terminal_gets_a_table_of_at_most_fifty_rows(moons_run, tmp_path):
    path = tmp_path / "grid.csv"
    path.write_text("x1,x2\n" + "".join(f"{i / 40 - 1},{i % 7 / 7}\n" for i in range(80)))
    screen = io.StringIO()
    console = Console(file=screen, force_terminal=True, width=120, color_system=None)
    assert predict_and_report([str(path), str(moons_run.run_dir)], None, "final", 1, console) == EXIT_OK
    text = screen.getvalue()
    assert "predictions (80 inputs)" in text and "… 30 more; --out FILE writes every prediction" in text
    assert sum(1 for line in text.splitlines() if line.startswith("│ ")) == MAX_TABLE_ROWS


def test_a_regression_prints_values_and_r2(price_run, tmp_path, capsys):
    run, path = price_run
    rows = write_rows(path, list(range(10)), tmp_path / "rows.csv")
    assert main(["--predict", str(rows), str(run.run_dir)]) == EXIT_OK
    out = capsys.readouterr().out.splitlines()
    assert out[0].split("\t") == ["id", "predicted", "target"]
    assert out[-1].startswith("R² ") and " MSE " in out[-1] and out[-1].endswith(" on 10 inputs")


def test_an_unseen_category_is_a_warning_and_still_predicted(fruit_run, tmp_path, capsys):
    rows = fruit_rows(fruit_run, tmp_path, rows=[0, 1, 2])
    lines = rows.read_text().splitlines()
    cells = lines[1].split(",")
    cells[2] = "purple"  # the colour of the first row
    rows.write_text("\n".join([lines[0], ",".join(cells), *lines[2:]]) + "\n")
    assert main(["--predict", str(rows), str(fruit_run[0].run_dir)]) == EXIT_OK
    captured = capsys.readouterr()
    assert captured.err.strip() == (
        "tui-trainer: warning: column 'colour': 1 row holds a value training never saw ('purple'); "
        "encoded as zeros"
    )
    assert len(captured.out.splitlines()) >= 4


def test_the_columns_training_skipped_may_be_left_out(fruit_run, tmp_path, capsys):
    rows = fruit_rows(fruit_run, tmp_path, drop=("note",))
    assert main(["--predict", str(rows), str(fruit_run[0].run_dir)]) == EXIT_OK
    assert capsys.readouterr().err == ""


def test_a_word_in_a_numeric_column_names_its_line(fruit_run, tmp_path, capsys):
    rows = fruit_rows(fruit_run, tmp_path, rows=[0, 1, 2])
    lines = rows.read_text().splitlines()
    lines[2] = "big" + lines[2][lines[2].index(",") :]  # the size of the second row, on line 3
    rows.write_text("\n".join(lines) + "\n")
    assert main(["--predict", str(rows), str(fruit_run[0].run_dir)]) == EXIT_BAD_CONFIG
    assert "rows.csv line 3, column 'size': 'big' is not a number" in one_error_line(capsys)


def test_image_inputs_that_cannot_be_read_or_found(image_run, tmp_path, capsys):
    run, root = image_run
    folder = tmp_path / "images"
    shutil.copytree(root / "star", folder / "star")
    (folder / "star" / "broken.png").write_bytes(b"not a png")
    assert main(["--predict", str(folder), str(run.run_dir)]) == EXIT_BAD_CONFIG
    assert f"cannot read image {folder}/star/broken.png: not an image file" in one_error_line(capsys)
    (tmp_path / "empty" / "sub").mkdir(parents=True)
    assert main(["--predict", str(tmp_path / "empty"), str(run.run_dir)]) == EXIT_BAD_CONFIG
    assert "empty contains no images (.jpg .jpeg .png" in one_error_line(capsys)
    assert main(["--predict", str(tmp_path / "absent.png"), str(run.run_dir)]) == EXIT_BAD_CONFIG
    assert one_error_line(capsys).endswith("no such file or folder: " + str(tmp_path / "absent.png"))


def test_an_image_of_another_size_is_resized_as_training_did(image_run, tmp_path, capsys):
    from PIL import Image

    run, _root = image_run
    image = tmp_path / "big.png"
    Image.new("RGB", (40, 30), (200, 10, 10)).save(image)
    assert main(["--predict", str(image), str(run.run_dir)]) == EXIT_OK
    captured = capsys.readouterr()
    assert captured.err.strip() == (
        "tui-trainer: note: 1 of 1 images resized to 8×8 grey (bilinear), the size the run was trained on"
    )
    assert captured.out.splitlines()[1].startswith(f"{image}\t")


def test_inputs_of_the_wrong_kind_for_the_run(fruit_run, image_run, tmp_path, capsys):
    rows = fruit_rows(fruit_run, tmp_path)
    assert main(["--predict", str(rows), str(image_run[0].run_dir)]) == EXIT_BAD_CONFIG
    assert "the run was trained on images (folder:" in one_error_line(capsys)
    assert main(["--predict", str(image_run[1]), str(fruit_run[0].run_dir)]) == EXIT_BAD_CONFIG
    assert "the run was trained on a table (csv:" in one_error_line(capsys)


def test_a_run_without_saved_preprocessing_says_what_to_do(moons_run, tmp_path, capsys):
    old = shutil.copytree(moons_run.run_dir, tmp_path / "old-run")
    (old / "preprocessing.json").unlink()
    points = tmp_path / "points.csv"
    points.write_text("x1,x2\n0.5,0.5\n")
    assert main(["--predict", str(points), str(old)]) == EXIT_BAD_CONFIG
    assert one_error_line(capsys) == (
        f"tui-trainer: error: {old} has no preprocessing.json: the run was trained before runs saved "
        "their preprocessing; train it again to predict with it"
    )
    (old / "preprocessing.json").write_text('{"format": 1}')
    assert main(["--predict", str(points), str(old)]) == EXIT_BAD_CONFIG
    assert "preprocessing.json is damaged" in one_error_line(capsys)


def test_weights_choices_and_missing_runs(moons_run, tmp_path, capsys):
    points = tmp_path / "points.csv"
    points.write_text("x1,x2\n0.5,0.5\n-1,0.25\n")
    for weights in ("best", "last"):
        assert main(["--predict", str(points), str(moons_run.run_dir), "--weights", weights]) == EXIT_OK
        assert len(capsys.readouterr().out.splitlines()) == 3
    unfinished = shutil.copytree(moons_run.run_dir, tmp_path / "unfinished")
    (unfinished / "model.pt").unlink()
    assert main(["--predict", str(points), str(unfinished)]) == EXIT_BAD_CONFIG
    assert one_error_line(capsys).endswith("model.pt (the run has not finished; try --weights last)")
    assert main(["--predict", str(points), str(tmp_path / "nowhere")]) == EXIT_BAD_CONFIG
    assert "no run directory" in one_error_line(capsys)
    assert main(["--predict", str(points), str(tmp_path)]) == EXIT_BAD_CONFIG
    assert one_error_line(capsys).endswith(f"{tmp_path} is not a run directory (it has no config.toml)")
    out = tmp_path / "missing" / "p.csv"
    assert main(["--predict", str(points), str(moons_run.run_dir), "--out", str(out)]) == EXIT_BAD_CONFIG
    assert f"the folder {out.parent} does not exist" in one_error_line(capsys)
    assert main(["--predict", str(points)]) == EXIT_BAD_CONFIG
    assert "needs at least one input and a run directory" in one_error_line(capsys)
    assert main(["--predict", str(points), str(moons_run.run_dir), "--top", "0"]) == EXIT_BAD_CONFIG
    assert "--top 0" in one_error_line(capsys)
