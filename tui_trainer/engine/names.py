"""The valid names for every choice in the config, kept free of torch so they load instantly.

The builders in `engine/model.py` (activations, inits) and `engine/components.py` (losses,
optimizers, schedulers) map these names to PyTorch classes; tests/engine/test_components.py checks
that every name builds.
"""

ACTIVATIONS = ("relu", "leaky_relu", "gelu", "silu", "elu", "tanh", "sigmoid")
INITS = ("default", "xavier", "kaiming", "orthogonal")
LOSSES = ("cross_entropy", "nll", "mse", "l1", "smooth_l1", "huber", "bce_with_logits")
CLASSIFICATION_LOSSES = ("cross_entropy", "nll", "bce_with_logits")
REGRESSION_LOSSES = ("mse", "l1", "smooth_l1", "huber")
# What loss.name may be set to: `auto` is the task's default loss (`default_loss`), chosen once
# the dataset is known; the run's saved config records the loss it resolved to.
LOSS_CHOICES = ("auto", *LOSSES)
# How much each class counts in cross_entropy/nll: balanced weighs classes by inverse frequency.
CLASS_WEIGHTS = ("none", "balanced")
# Regression targets: auto standardises them (training split's mean and std), none keeps them raw.
TARGET_NORMALIZATIONS = ("auto", "standardize", "none")
OPTIMIZERS = ("sgd", "adam", "adamw", "rmsprop", "adagrad", "adadelta")
# Optimizers whose update uses these settings; the UI shows only the fields that apply.
USES_MOMENTUM = ("sgd", "rmsprop")
USES_BETAS = ("adam", "adamw")
SCHEDULERS = ("none", "step", "cosine", "plateau")
NORMALIZATIONS = ("standardize", "minmax", "none")
LOADERS = ("auto", "tensor", "dataloader")
# What a csv: target means: auto guesses from its values (see datasets/csv_file.py).
TASKS = ("auto", "classification", "regression")
# Where the linear toy's x values lie in [x_min, x_max]: uniformly at random, or evenly spaced.
X_SPACINGS = ("random", "even")
# Training-batch augmentation of image sets (engine/augment.py); auto is decided per dataset.
AUGMENTATIONS = ("auto", "none", "flip", "crop", "flip+crop")
# Mixed precision: auto is float32 everywhere (engine/precision.py says why); bf16/fp16 opt in.
AMP_MODES = ("auto", "off", "bf16", "fp16")

LOSS_LABELS = {
    "auto": "auto (follows the task)",
    "cross_entropy": "CrossEntropy",
    "nll": "NLL (LogSoftmax output)",
    "mse": "MSE",
    "l1": "L1 (MAE)",
    "smooth_l1": "SmoothL1",
    "huber": "Huber",
    "bce_with_logits": "BCEWithLogits (binary)",
}


def default_loss(task: str) -> str:
    """The loss `loss.name = auto` stands for: cross_entropy for classes, mse for regression."""
    return "mse" if task == "regression" else "cross_entropy"


def loss_task_problem(loss: str, task: str, n_classes: int, one_hot: bool) -> str | None:
    """Why `loss` does not fit the dataset's task, or None when it fits."""
    if loss == "auto":
        return None
    if task == "regression" and loss in CLASSIFICATION_LOSSES:
        return (
            f"loss {loss} needs class labels but the dataset is a regression target; "
            f"use one of {', '.join(REGRESSION_LOSSES)} (for a csv: target holding class numbers, "
            "set dataset.task=classification)"
        )
    if task == "classification":
        if loss == "bce_with_logits" and n_classes != 2:
            return (
                f"loss bce_with_logits is binary but the dataset has {n_classes} classes; "
                "use cross_entropy or nll"
            )
        if loss in REGRESSION_LOSSES and not one_hot:
            return (
                f"loss {loss} on class labels needs one-hot targets: set loss.one_hot = true "
                "or use cross_entropy"
            )
    return None


def losses_for_task(task: str, n_classes: int) -> tuple[str, ...]:
    """Losses that fit a task as it stands (regression losses on classes need one-hot)."""
    if task == "regression":
        return ("auto", *REGRESSION_LOSSES)
    if n_classes == 2:
        return ("auto", *CLASSIFICATION_LOSSES)
    return ("auto", "cross_entropy", "nll")
