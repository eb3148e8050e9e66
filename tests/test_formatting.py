"""The numbers people read, written one way by --batch, the sweep and the app."""

from tui_trainer.formatting import (
    compact_rate,
    format_clock,
    format_coefficient,
    format_duration,
    format_linear_equation,
    format_loss,
    format_number,
    format_percent,
    format_rate,
)


def test_percentages_losses_and_missing_values():
    assert format_percent(0.97314) == "97.31%"
    assert format_percent(0.97314, 0) == "97%"
    assert format_percent(None) == format_loss(None) == format_number(None) == "-"
    assert format_loss(0.123456) == "0.1235"
    assert format_number(12345.678) == "1.235e+04"


def test_durations_and_clock_times():
    assert format_duration(12.34) == "12.3s"
    assert format_duration(125) == "2:05"
    assert format_duration(3725.9) == "1:02:05"
    assert format_clock(59.9) == "0:59"
    assert format_clock(None) == format_duration(None) == "-"


def test_rates():
    assert format_rate(12345.4) == "12,345 samples/s"
    assert (compact_rate(950), compact_rate(12_400), compact_rate(1_250_000)) == ("950", "12k", "1.2M")


def test_the_epoch_line_fits_80_columns_at_its_widest():
    from tui_trainer.engine.events import EpochEnd
    from tui_trainer.formatting import format_epoch_line

    def line(**values) -> str:
        base = dict(
            epoch=998,
            epochs=1000,
            train_loss=2.302585,
            val_loss=2.302585,
            train_accuracy=1.0,
            val_accuracy=1.0,
            lr=1.23456e-05,
            seconds=999.99,
            samples_per_sec=1_234_567.0,
            improved=True,
        )
        return format_epoch_line(EpochEnd(**{**base, **values}))

    classifier = line()
    assert classifier == "epoch  999/1000  train 2.3026 100.0%  val 2.3026 100.0%  lr 1.23e-05  1.2M/s"
    regression = line(
        train_loss=2912.3456,
        val_loss=3012.3456,
        train_accuracy=None,
        val_accuracy=None,
        extra={"val_r2": -0.512345, "val_mae": 41.234},
    )
    assert regression == "epoch  999/1000  train 2912  val 3012 R² -0.512 MAE 41.23  lr 1.23e-05  1.2M/s"
    assert len(classifier) <= 80 and len(regression) <= 80


def test_the_run_header_names_a_layer_stack_not_an_mlp():
    from tui_trainer.engine.config import TrainConfig
    from tui_trainer.engine.datasets.meta import DatasetMeta
    from tui_trainer.engine.events import RunStarted
    from tui_trainer.formatting import run_header

    meta = DatasetMeta(name="digits", task="classification", input_shape=(1, 8, 8), n_classes=10)

    def model_line(*overrides: str) -> str:
        config = TrainConfig().with_overrides(list(overrides))
        started = RunStarted(
            config=config,
            meta=meta,
            device="cpu",
            param_count=1234,
            layers=[],
            steps_per_epoch=20,
            total_steps=200,
            start_epoch=0,
            run_dir=None,
            loader="tensor",
        )
        return run_header(started)[1]

    assert model_line().startswith("model: MLP hidden 64,32, relu, 1,234 parameters;")
    assert model_line("model.layers=conv8,pool,fc32").startswith("model: layers conv8,pool,fc32, relu,")
    assert model_line("model.layers=lenet5").startswith("model: layers lenet5, relu,")


def test_the_progress_stats_show_the_clipped_share_only_when_clipping_is_on():
    from tui_trainer.engine.events import BatchEnd
    from tui_trainer.formatting import format_lr, format_progress_stats

    report = BatchEnd(
        epoch=0,
        step=5,
        total_steps=50,
        loss=0.41234,
        step_losses=[0.41234],
        first_step=5,
        samples_per_sec=12345.4,
        epoch_fraction=0.5,
        accuracy=0.875,
    )
    assert format_progress_stats(report) == "loss 0.4123  acc 87.50%  12,345 samples/s"
    report.clipped_fraction = 0.125
    assert format_progress_stats(report) == "loss 0.4123  acc 87.50%  clipped 12%  12,345 samples/s"
    assert (format_lr(0.0031623), format_lr(1e-7), format_lr(10.0)) == ("0.00316", "1e-07", "10")


def test_a_linear_fit_reads_as_an_equation():
    assert format_linear_equation([2.0], 1.0, ["x"]) == "y = 2.00·x + 1.00"
    assert format_linear_equation([-0.5, 3.0], -1.25, ["x1", "x2"], "price") == (
        "price = -0.50·x1 + 3.00·x2 - 1.25"
    )
    assert format_linear_equation([1.999], 0.0, ["x"]) == "y = 2.00·x + 0.00"
    # two decimals would hide a small coefficient or overflow a large one
    assert format_coefficient(0.000312) == "0.000312" and format_coefficient(1.5e7) == "1.5e+07"
    assert format_coefficient(None) == "-"
