"""The UI's pure parts: event coalescing, bounded plot history, pictures, field parsing."""

import io

import torch
from rich.console import Console

from tui_trainer.engine.config import TrainConfig
from tui_trainer.engine.events import (
    BatchEnd,
    DataProgress,
    DecisionBoundary,
    Evaluation,
    LogMessage,
)
from tui_trainer.formatting import format_clock
from tui_trainer.ui.confusion_view import confusion_renderable, matrix_table
from tui_trainer.ui.event_buffer import EventBuffer
from tui_trainer.ui.fields import field_id, format_value, key_of
from tui_trainer.ui.panels import estimated_parameters, model_summary
from tui_trainer.ui.pixels import boundary_lines, boundary_wrong_mask, half_block_lines, image_to_rgb
from tui_trainer.ui.plot_history import StepHistory, decimate


def batch(step, losses):
    return BatchEnd(0, step, 100, sum(losses) / len(losses), losses, step - len(losses) + 1, 10.0, 0.1)


def test_buffer_merges_consecutive_progress_reports_keeping_every_step():
    buffer = EventBuffer()
    buffer.put(batch(2, [1.0, 2.0]))
    buffer.put(batch(4, [3.0, 4.0]))
    buffer.put(LogMessage("hello"))
    buffer.put(batch(5, [5.0]))
    events = buffer.drain()
    assert [type(e).__name__ for e in events] == ["BatchEnd", "LogMessage", "BatchEnd"]
    merged = events[0]
    assert merged.step_losses == [1.0, 2.0, 3.0, 4.0]
    assert merged.first_step == 1 and merged.step == 4
    assert merged.loss == 2.5
    assert buffer.drain() == []


def test_buffer_keeps_only_latest_download_progress():
    buffer = EventBuffer()
    for done in range(5):
        buffer.put(DataProgress("mnist", done, 4))
    (event,) = buffer.drain()
    assert event.done == 4


def test_step_history_stays_bounded_and_spans_the_whole_run():
    history = StepHistory(capacity=64)
    for step in range(1, 100_001):
        history.add(step, float(step))
    xs, ys = history.points()
    assert len(xs) <= 65
    assert history.count == 100_000
    assert xs[0] <= history.span and xs[-1] > 100_000 - 2 * history.span
    # means of consecutive steps: y equals x for this series
    assert all(abs(x - y) < 1e-6 for x, y in zip(xs, ys, strict=False))


def test_decimate_reduces_to_buckets_by_mean():
    xs = list(range(10))
    ys = [0.0, 2.0] * 5
    dx, dy = decimate(xs, ys, 5)
    assert dx == [0.5, 2.5, 4.5, 6.5, 8.5]
    assert dy == [1.0] * 5
    assert decimate(xs, ys, 20) == (xs, ys)


def test_half_block_image_uses_two_pixel_rows_per_line():
    image = torch.arange(64, dtype=torch.uint8).view(1, 8, 8) % 17
    rgb = image_to_rgb(image, pixel_max=16.0)
    assert rgb.shape == (8, 8, 3)
    assert int(rgb.max()) == 255
    lines = half_block_lines(rgb)
    assert len(lines) == 4 and all(line.plain == "▀" * 8 for line in lines)


def test_large_images_are_shrunk_for_the_terminal():
    rgb = image_to_rgb(torch.zeros(3, 96, 64, dtype=torch.uint8), 255.0)
    assert max(rgb.shape[:2]) <= 28


def test_boundary_map_marks_points_and_mistakes():
    classes = torch.zeros(40, 80, dtype=torch.long)
    classes[:, 40:] = 1
    boundary = DecisionBoundary(
        x_range=(0.0, 1.0),
        y_range=(0.0, 1.0),
        classes=classes,
        confidence=torch.ones(40, 80),
        points=torch.tensor([[0.1, 0.5], [0.9, 0.5]]),
        labels=torch.tensor([0, 0]),
    )
    wrong = boundary_wrong_mask(boundary)
    assert wrong.tolist() == [False, True]
    text = "\n".join(line.plain for line in boundary_lines(boundary, 40, wrong))
    assert text.count("●") == 1 and text.count("✗") == 1


def test_field_ids_round_trip_and_values_print_as_typed():
    assert key_of(field_id("optimizer.weight_decay")) == "optimizer.weight_decay"
    assert key_of("start") is None
    assert format_value([256, 128]) == "256,128"
    assert format_value(0.001) == "0.001"
    assert format_value(True) == "true"


def test_every_problem_carries_the_config_field_it_belongs_to():
    from tui_trainer.engine.config import TrainConfig, field_type

    config = TrainConfig().with_overrides([])
    config.dataset.val_fraction, config.dataset.test_fraction = 0.6, 0.5
    config.optimizer.name, config.optimizer.momentum, config.optimizer.nesterov = "sgd", 0.0, True
    config.model.hidden = [0]
    config.train.amp = "fp8"
    placed = {(p.field, p.message.split()[0]) for p in config.problems()}
    assert placed == {
        ("dataset.val_fraction", "dataset.val_fraction"),  # "... + dataset.test_fraction must leave"
        ("optimizer.momentum", "optimizer.nesterov"),  # shown where the fix is typed
        ("model.hidden", "model.hidden"),
        ("train.amp", "unknown"),
    }
    for problem in config.problems():
        field_type(problem.field)  # a real section.key


def test_model_summary_counts_parameters_and_refuses_to_build_huge_models():
    from tui_trainer.engine.datasets.base import DatasetMeta

    meta = DatasetMeta("toy", "classification", (2,), n_classes=3)
    config = TrainConfig()
    config.model.hidden = [4]
    lines = model_summary(config, meta).splitlines()
    total = next(line for line in lines if line.startswith("total"))
    assert total.split()[-1] == str(2 * 4 + 4 + 4 * 3 + 3)
    assert lines[-1] == f"≈ {2 * 4 + 4 * 3} multiply-adds per sample"
    config.model.layers = ["conv8", "pool", "fc16"]  # a stack is shaped on the meta device, any size
    conv_meta = DatasetMeta("pics", "classification", (1, 8, 8), n_classes=2, is_image=True)
    lines = model_summary(config, conv_meta).splitlines()
    assert any(line.split()[1:2] == ["8×4×4"] for line in lines), lines
    conv_macs = 8 * 8 * 8 * 9  # 8 channels × 8×8 positions × a 3×3×1 kernel
    assert lines[-1].startswith("≈ ") and int(float(lines[-1].split()[1].rstrip("k")) * 1000) >= conv_macs
    config.model.layers = []
    config.model.hidden = [100_000, 100_000]
    assert "very large" in model_summary(config, meta)
    assert estimated_parameters(2, [4], 3, False) == 27


def test_confusion_renders_counts_names_and_metrics():
    evaluation = Evaluation(
        epoch=1,
        split="val",
        loss=0.3,
        accuracy=0.75,
        confusion=torch.tensor([[3, 1], [0, 0]]),
        precision=[1.0, 0.0],
        recall=[0.75, 0.0],
        f1=[0.857, 0.0],
        class_names=["cat", "dog"],
        extra={"macro_f1": 0.43},
    )
    console = Console(width=80, record=True, file=io.StringIO())
    renderable, width = confusion_renderable(evaluation, console)
    console.print(renderable)
    text = console.export_text()
    assert width <= 42  # fits the Confusion pane of an 80-column terminal
    assert "accuracy 75.00%" in text and "cat" in text and "dog" in text
    assert "0.857" in text and "macro F1 0.430" in text


def test_ten_class_matrix_keeps_every_count_in_40_columns():
    counts = [[(i * 7 + j * 3) % 40 for j in range(10)] for i in range(10)]
    console = Console(width=40, record=True, file=io.StringIO())
    console.print(matrix_table(counts, [str(i) for i in range(10)]))
    text = console.export_text()
    assert "…" not in text
    for row in counts:
        assert "".join(f"{c:>3}" for c in row) in text


def test_eta_format():
    assert format_clock(None) == "-"
    assert format_clock(75) == "1:15"
    assert format_clock(3725) == "1:02:05"
