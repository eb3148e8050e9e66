"""Hypothesis: small random valid configs train one epoch without any traceback escaping."""

import tempfile

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from tui_trainer.engine.config import TrainConfig
from tui_trainer.engine.events import RunFinished
from tui_trainer.engine.names import ACTIVATIONS, INITS, LOSSES, NORMALIZATIONS, OPTIMIZERS, SCHEDULERS
from tui_trainer.engine.trainer import Trainer

TOY_SETS = ("spirals", "moons", "circles", "xor", "blobs", "linear", "sine")
# A generic exception name at the start of the reason means an unexpected error reached the
# catch-all handler: a bug, even though no traceback escaped.
UNEXPECTED = (
    "RuntimeError",
    "TypeError",
    "ValueError",
    "IndexError",
    "KeyError",
    "AttributeError",
    "ZeroDivisionError",
    "AssertionError",
    "UnboundLocalError",
    "NameError",
)

RUNS_ROOT = tempfile.mkdtemp(prefix="tui-trainer-fuzz-")


def floats(low, high):
    return st.floats(min_value=low, max_value=high, allow_nan=False, allow_infinity=False)


configs = st.fixed_dictionaries(
    {
        "dataset": st.fixed_dictionaries(
            {
                "name": st.sampled_from(TOY_SETS),
                "n_samples": st.integers(8, 80),
                "noise": floats(0, 0.5),
                "batch_size": st.one_of(st.integers(1, 12), st.integers(1, 64)),
                "val_fraction": floats(0.05, 0.5),
                "test_fraction": floats(0, 0.3),
                "normalization": st.sampled_from(NORMALIZATIONS),
                "loader": st.sampled_from(("auto", "tensor", "dataloader")),
                "num_workers": st.just(0),
            }
        ),
        "model": st.fixed_dictionaries(
            {
                "hidden": st.lists(st.integers(1, 12), max_size=3),
                "activation": st.sampled_from(ACTIVATIONS),
                "dropout": floats(0, 0.9),
                "batch_norm": st.booleans(),
                "init": st.sampled_from(INITS),
            }
        ),
        # Mostly losses that fit classification sets, so most examples really train.
        "loss": st.fixed_dictionaries(
            {"name": st.one_of(st.just("cross_entropy"), st.sampled_from(LOSSES)), "one_hot": st.booleans()}
        ),
        "optimizer": st.fixed_dictionaries(
            {
                "name": st.sampled_from(OPTIMIZERS),
                "lr": floats(1e-6, 50),
                "momentum": floats(0, 0.99),
                "nesterov": st.booleans(),
                "weight_decay": floats(0, 0.1),
            }
        ),
        "scheduler": st.fixed_dictionaries(
            {
                "name": st.sampled_from(SCHEDULERS),
                "step_size": st.integers(1, 3),
                "gamma": floats(0.1, 1),
                "patience": st.integers(0, 2),
            }
        ),
        "train": st.fixed_dictionaries(
            {
                "epochs": st.integers(1, 2),
                "patience": st.integers(0, 1),
                "seed": st.integers(0, 2**31),
                "device": st.just("cpu"),
                "output_dir": st.just(RUNS_ROOT),
                "report_every_ms": st.integers(10, 200),
                "n_samples_shown": st.integers(0, 3),
            }
        ),
    }
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=configs)
def test_random_small_configs_train_or_fail_with_one_line(data):
    try:
        config = TrainConfig.from_dict(data).check()
    except Exception as exc:  # static problems (e.g. nesterov without momentum) are the config's job
        assert type(exc).__name__ == "ConfigError"
        return
    result = Trainer(config).run()
    event(result.status)
    assert isinstance(result, RunFinished)
    assert result.status in ("completed", "early_stopped", "failed")
    if result.status == "failed":
        assert result.reason and "\n" not in result.reason
        assert not result.reason.startswith(UNEXPECTED), result.reason
