"""Bad config values and damaged config files through the real `tui-trainer` console script:
exit 2 and one stderr line naming the field or the file, never a traceback."""

from __future__ import annotations

import pytest

from tests.data.batch_cli import run_cli

HUGE = "1" + "0" * 400  # 10**400: too big for C integers and for float()
TOY = [
    "--set",
    "dataset.name=spirals",
    "--set",
    "dataset.n_samples=60",
    "--set",
    "train.epochs=1",
    "--set",
    "model.hidden=8",
    "--set",
    "train.device=cpu",
]


def assert_one_line_error(result, *fragments: str) -> str:
    assert result.returncode == 2, (result.returncode, result.stderr[-2000:])
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr[-2000:]
    for fragment in fragments:
        assert fragment in lines[0], lines[0]
    assert len(lines[0]) < 300, lines[0]
    return lines[0]


@pytest.mark.parametrize(
    "assignment, fragments",
    [
        ("model.hidden=1e300", ["model.hidden", "between 1 and 1,000,000"]),
        (f"train.epochs={HUGE}", ["train.epochs", "between 1 and 1,000,000", "401 digits"]),
        (f"train.report_every_ms={HUGE}", ["train.report_every_ms", "between 10 and 3,600,000"]),
        ("dataset.noise=1e300", ["dataset.noise", "between 0 and 100"]),
        ("optimizer.weight_decay=1e300", ["optimizer.weight_decay", "between 0 and 10"]),
        ("optimizer.lr=1e300", ["optimizer.lr", "between 0 and 100"]),
        ("dataset.batch_size=1e300", ["dataset.batch_size", "between 1 and 10,000,000"]),
        ("model.hidden=100000,100000,10", ["model.hidden", "weights between its layers"]),
    ],
    ids=lambda case: case.split("=")[0] if isinstance(case, str) else None,
)
def test_out_of_range_values_name_the_field(tmp_path, assignment, fragments):
    result = run_cli("--batch", "--output-dir", str(tmp_path / "runs"), *TOY, "--set", assignment)
    message = assert_one_line_error(result, *fragments)
    assert "lower the learning rate" not in message
    assert not (tmp_path / "runs").exists()  # refused before any run directory is made


def test_nul_in_output_dir_names_the_field(tmp_path):
    config = tmp_path / "nul.toml"
    config.write_text('[train]\noutput_dir = "runs\\u0000x"\n')
    result = run_cli("--batch", str(config), *TOY)
    assert_one_line_error(result, "train.output_dir contains a NUL character")


@pytest.mark.parametrize(
    "name, content, fragment",
    [
        ("bigint.toml", b"[train]\nepochs = " + b"9" * 5000 + b"\n", "more than 4,300 digits"),
        ("nested.toml", b"[model]\nhidden = " + b"[" * 100_000 + b"\n", "nested too deeply"),
        ("latin1.toml", '[train]\nrun_name = "café"\n'.encode("latin-1"), "is not UTF-8 text"),
        (
            "huge_float.toml",
            b"[optimizer]\nlr = " + HUGE.encode() + b"\n",
            "optimizer.lr must be a finite number",
        ),
    ],
    ids=["bigint", "nested", "latin1", "huge_float"],
)
def test_damaged_config_files_give_one_line_naming_the_file(tmp_path, name, content, fragment):
    path = tmp_path / name
    path.write_bytes(content)
    result = run_cli("--batch", str(path), "--output-dir", str(tmp_path / "runs"))
    assert_one_line_error(result, str(path), fragment)


def test_resume_of_a_run_with_a_damaged_config_gives_one_line(tmp_path):
    run = tmp_path / "runs" / "20250101-000000-damaged"
    run.mkdir(parents=True)
    (run / "config.toml").write_text("[train]\nepochs = " + "9" * 5000 + "\n")
    result = run_cli("--resume", str(run))
    assert_one_line_error(result, str(run / "config.toml"), "more than 4,300 digits")


@pytest.mark.parametrize("encoding", ["utf-16", "utf-8-sig", "utf-16-be-bom", "utf-32"])
def test_config_saved_by_windows_tools_is_read(tmp_path, encoding):
    """PowerShell's `tui-trainer --print-config > my.toml` writes UTF-16 with a byte-order mark."""
    printed = run_cli("--print-config", "--set", "train.epochs=7", "--set", "optimizer.lr=0.02")
    assert printed.returncode == 0, printed.stderr
    path = tmp_path / "my.toml"
    if encoding == "utf-16-be-bom":
        path.write_bytes(b"\xfe\xff" + printed.stdout.encode("utf-16-be"))
    else:
        path.write_bytes(printed.stdout.encode(encoding))
    result = run_cli("--batch", str(path), "--print-config")
    assert result.returncode == 0, result.stderr
    assert result.stdout == printed.stdout


@pytest.mark.slow  # a real diverging run: ~10 s, mostly the import of torch
def test_divergence_from_weight_decay_points_at_weight_decay(tmp_path):
    """Within its bounds, weight decay × lr >= 1 still diverges: the message says which setting."""
    result = run_cli(
        "--batch",
        "--output-dir",
        str(tmp_path / "runs"),
        *TOY,
        "--set",
        "dataset.n_samples=200",
        "--set",
        "train.epochs=20",
        "--set",
        "dataset.batch_size=8",
        "--set",
        "optimizer.name=sgd",
        "--set",
        "optimizer.lr=1",
        "--set",
        "optimizer.weight_decay=10",
    )
    assert result.returncode == 1, result.stderr
    errors = [line for line in result.stderr.splitlines() if "error" in line]
    assert len(errors) == 1 and "Traceback" not in result.stderr, result.stderr
    assert "lower optimizer.weight_decay or the learning rate (weight_decay 10 × lr 1 is 10" in errors[0]
