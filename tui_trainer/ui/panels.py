"""The four setup panels (Dataset, Model, Loss, Optimizer) and the text they show about the setup."""

from __future__ import annotations

from textual.containers import Vertical
from textual.widgets import Select, Static

from tui_trainer.engine import (
    ACTIVATIONS,
    AMP_MODES,
    AUGMENTATIONS,
    CLASS_WEIGHTS,
    INITS,
    LOADERS,
    LOSS_LABELS,
    LOSSES,
    NAMED_ARCHITECTURES,
    NORMALIZATIONS,
    OPTIMIZERS,
    SCHEDULERS,
    TARGET_NORMALIZATIONS,
    TASKS,
    X_SPACINGS,
    TrainConfig,
    dataset_specs,
)
from tui_trainer.formatting import format_short_count
from tui_trainer.ui.fields import ChoiceSelect, Field, check_field, field_id, select_field, text_field

# Above this many parameters the live summary is computed from shapes instead of building the model.
MAX_PARAMS_TO_BUILD = 20_000_000


def _choices(names) -> list[tuple[str, str]]:
    return [(name, name) for name in names]


class SetupPanel(Vertical):
    """A bordered group of fields; `key` is the letter that focuses it."""

    DEFAULT_CSS = "SetupPanel { height: auto; }"

    def __init__(self, title: str, key: str, **kwargs) -> None:
        super().__init__(classes="panel", **kwargs)
        self.border_title = f"{title} ({key})"


class DatasetPanel(SetupPanel):
    def __init__(self, config: TrainConfig) -> None:
        super().__init__("Dataset", "d", id="panel-dataset")
        self.config = config

    def compose(self):
        d = self.config.dataset
        names = [s.name for s in dataset_specs() if not s.prefix]
        pick = ChoiceSelect(
            _choices(names),
            value=d.name if d.name in names else Select.NULL,
            allow_blank=True,
            prompt="other (type below)",
            id=field_id("ui.dataset_pick"),
            compact=True,
        )
        yield Field("dataset", pick, "ui.dataset_pick")
        yield text_field("name", "dataset.name", d.name, "csv:file.csv or folder:dir")
        # Shown only for the names they apply to (csv: / folder:); see SetupColumn.
        yield text_field("target", "dataset.target", d.target, "empty: the last column")
        yield text_field("image size", "dataset.image_size", d.image_size, "pixels, square")
        yield check_field("", "dataset.grayscale", d.grayscale, "grayscale")
        yield select_field("task", "dataset.task", _choices(TASKS), d.task)
        yield text_field("val frac", "dataset.val_fraction", d.val_fraction)
        yield text_field("test frac", "dataset.test_fraction", d.test_fraction)
        yield text_field("batch", "dataset.batch_size", d.batch_size)
        # Toys only: how many points are generated, and how noisy.
        yield text_field("samples", "dataset.n_samples", d.n_samples)
        yield text_field("noise", "dataset.noise", d.noise)
        # The linear toy only: its line y = slope·x + intercept and where its x values lie.
        yield text_field("slope", "dataset.slope", d.slope)
        yield text_field("intercept", "dataset.intercept", d.intercept)
        yield text_field("x from", "dataset.x_min", d.x_min)
        yield text_field("x to", "dataset.x_max", d.x_max)
        yield select_field("x spacing", "dataset.x_spacing", _choices(X_SPACINGS), d.x_spacing)
        # Image sets only: flips and crops of the training batches.
        yield select_field("augment", "dataset.augment", _choices(AUGMENTATIONS), d.augment)
        yield select_field("inputs", "dataset.normalization", _choices(NORMALIZATIONS), d.normalization)
        yield select_field("target", "dataset.target_normalization", target_choices(), d.target_normalization)
        yield select_field("loader", "dataset.loader", _choices(LOADERS), d.loader)
        yield text_field("workers", "dataset.num_workers", d.num_workers, "DataLoader processes")
        yield text_field("data dir", "dataset.data_dir", d.data_dir, "~/.cache/tui-trainer")
        yield Static("loading dataset info…", id="dataset-info", classes="info")


class ModelPanel(SetupPanel):
    def __init__(self, config: TrainConfig) -> None:
        super().__init__("Model", "m", id="panel-model")
        self.config = config

    def compose(self):
        m = self.config.model
        yield text_field("hidden", "model.hidden", m.hidden, "e.g. 256,128 (empty: linear)")
        pick = ChoiceSelect(
            _choices(NAMED_ARCHITECTURES),
            value=m.layers[0] if len(m.layers) == 1 and m.layers[0] in NAMED_ARCHITECTURES else Select.NULL,
            allow_blank=True,
            prompt="(type below)",
            id=field_id("ui.architecture_pick"),
            compact=True,
        )
        yield Field("network", pick, "ui.architecture_pick")
        yield text_field("layers", "model.layers", m.layers, "e.g. conv32,pool,fc64")
        yield select_field("activation", "model.activation", _choices(ACTIVATIONS), m.activation)
        yield text_field("dropout", "model.dropout", m.dropout)
        yield check_field("", "model.batch_norm", m.batch_norm, "batch norm")
        yield select_field("init", "model.init", _choices(INITS), m.init)
        yield Static("", id="model-summary", classes="info")


class LossPanel(SetupPanel):
    def __init__(self, config: TrainConfig) -> None:
        super().__init__("Loss", "l", id="panel-loss")
        self.config = config

    def compose(self):
        lo = self.config.loss
        yield select_field("loss", "loss.name", loss_choices(LOSSES), lo.name)
        yield check_field("", "loss.one_hot", lo.one_hot, "one-hot targets")
        yield select_field("class wts", "loss.class_weights", _choices(CLASS_WEIGHTS), lo.class_weights)
        yield Static("", id="loss-info", classes="info")


class OptimizerPanel(SetupPanel):
    def __init__(self, config: TrainConfig, devices: list[str]) -> None:
        super().__init__("Optimizer", "o", id="panel-optimizer")
        self.config = config
        self.devices = devices

    def compose(self):
        o, s, t = self.config.optimizer, self.config.scheduler, self.config.train
        yield select_field("optimizer", "optimizer.name", _choices(OPTIMIZERS), o.name)
        yield text_field("lr", "optimizer.lr", o.lr)
        yield text_field("momentum", "optimizer.momentum", o.momentum)
        yield check_field("", "optimizer.nesterov", o.nesterov, "Nesterov momentum")
        yield text_field("betas", "optimizer.betas", o.betas, "e.g. 0.9,0.999")
        yield text_field("wt decay", "optimizer.weight_decay", o.weight_decay)
        yield text_field("clip norm", "optimizer.clip_grad_norm", o.clip_grad_norm, "gradient norm; 0 = off")
        yield select_field("scheduler", "scheduler.name", _choices(SCHEDULERS), s.name)
        # Shown only for the schedulers that use them; see SetupColumn.
        yield text_field("step size", "scheduler.step_size", s.step_size, "epochs between lr cuts")
        yield text_field("gamma", "scheduler.gamma", s.gamma, "lr factor per cut")
        yield text_field("sched pat.", "scheduler.patience", s.patience, "epochs without improvement")
        yield text_field("epochs", "train.epochs", t.epochs, "0 = auto")
        yield text_field("early stop", "train.patience", t.patience, "epochs without improvement; 0 = off")
        yield text_field("accumulate", "train.accumulate_batches", t.accumulate_batches, "batches per update")
        yield text_field(
            "overfit", "train.overfit_batches", t.overfit_batches, "first N batches only; 0 = off"
        )
        yield text_field("seed", "train.seed", t.seed)
        yield select_field("device", "train.device", device_choices(self.devices), t.device)
        yield Static("detected: " + "; ".join(self.devices), id="device-info", classes="info")
        yield select_field("precision", "train.amp", _choices(AMP_MODES), t.amp)
        yield check_field("", "train.compile", t.compile, "torch.compile")
        yield check_field("", "train.tensorboard", t.tensorboard, "TensorBoard log")
        yield Static("", id="tensorboard-info", classes="info")
        yield text_field("out dir", "train.output_dir", t.output_dir)
        yield text_field("run name", "train.run_name", t.run_name, "empty: from the settings")
        yield text_field("checkpoint", "train.checkpoint_every_s", t.checkpoint_every_s, "seconds")
        yield text_field("report ms", "train.report_every_ms", t.report_every_ms, "progress every ms")
        yield text_field("shown", "train.n_samples_shown", t.n_samples_shown, "on the Samples tab")


TENSORBOARD_INSTALL = "pip install 'tui-trainer[tensorboard]'"


def tensorboard_available() -> bool:
    """Whether the tensorboard package is installed (found, not imported: it is slow to import)."""
    import importlib.util

    return importlib.util.find_spec("tensorboard") is not None


def target_choices() -> list[tuple[str, str]]:
    labels = {"auto": "auto (standardize)", "standardize": "standardize", "none": "as it is"}
    return [(labels.get(name, name), name) for name in TARGET_NORMALIZATIONS]


def loss_choices(names) -> list[tuple[str, str]]:
    return [(LOSS_LABELS.get(name, name), name) for name in names]


def device_choices(detected: list[str]) -> list[tuple[str, str]]:
    """`auto` first, then each detected device by its config name."""
    out = [("auto (best available)", "auto")]
    for line in detected:
        name = line.split(" ", 1)[0]
        out.append((name, name))
    return out


def dataset_info(meta, note: str | None = None, failed: bool = False) -> str:
    if meta is None:
        if failed:
            return "no dataset info until the dataset's problem is fixed"
        return note or "loading dataset info…"
    shape = "×".join(str(d) for d in meta.input_shape)
    if meta.task == "classification":
        names = ", ".join(meta.class_names[:10]) + (", …" if len(meta.class_names) > 10 else "")
        target = f"{meta.n_classes} classes: {names}"
    else:
        target = "regression target"
    lines = [
        f"{meta.n_train:,} train / {meta.n_val:,} val / {meta.n_test:,} test",
        f"input {shape} · {target}",
    ]
    if meta.description:
        lines.append(meta.description)
    return "\n".join(lines)


def estimated_parameters(n_inputs: int, hidden: list[int], n_outputs: int, batch_norm: bool) -> int:
    total, width = 0, n_inputs
    for size in hidden:
        total += width * size + size + (2 * size if batch_norm else 0)
        width = size
    return total + width * n_outputs + n_outputs


def model_summary(config: TrainConfig, meta) -> str:
    """Per-layer output shapes and parameters, plus the total, for the Model panel."""
    if meta is None:
        return "layer summary appears once the dataset info is loaded"
    from tui_trainer.engine import describe_model, output_size  # torch: not on the way to the first screen

    outputs = output_size(meta, config.loss.name)
    if not config.model.layers:  # a layer stack is built on the meta device whatever its size
        estimate = estimated_parameters(meta.n_inputs, config.model.hidden, outputs, config.model.batch_norm)
        if estimate > MAX_PARAMS_TO_BUILD:
            return f"{estimate:,} parameters — a very large model; check the hidden sizes"
    rows, total = describe_model(config, meta)
    lines = [f"{'layer':<12}{'output':>9}{'params':>11}"]
    for row in rows:
        shape = "×".join(str(d) for d in row.output_shape)
        lines.append(f"{row.kind[:12]:<12}{shape:>9}{row.params:>11,}")
    lines.append(f"{'total':<12}{'':>9}{total:>11,}")
    macs = sum(row.macs for row in rows)
    if macs:
        lines.append(f"≈ {format_short_count(macs)} multiply-adds per sample")
    return "\n".join(lines)


def set_select_options(select: ChoiceSelect, options: list[tuple[str, str]], value: str) -> None:
    """Replace a Select's options, keeping `value` selectable even when it is not offered.

    Sets options and value without posting `Select.Changed`: the setup column applies each
    Changed as a user edit, so a rebuild that posted one (set_options first resets to the first
    option) would apply a value, rebuild again, and never settle. Unchanged options are not
    rebuilt, so an open or highlighted list is left alone.
    """
    if value not in [v for _, v in options]:
        options = options + [(f"{value} (does not fit)", value)]
    with select.prevent(Select.Changed):
        if select.offered != options:
            select.set_options(options)
        if select.value != value:
            select.value = value
