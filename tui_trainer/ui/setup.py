"""The setup column: owns the draft config, applies every edit, and shows what is wrong where.

Each edit is parsed with the config's own parser; a parse error stays next to its field. Then the
whole draft is checked (`TrainConfig.problems()` plus the data-dependent checks once the dataset's
metadata is known) and each problem is shown under the field it names. Start is disabled while
any problem remains.

Loading the metadata is a thread worker; when `start_requested` is set (`s` was pressed while
the check ran) and the check ends with no edit in between, the column posts `ReadyToStart`.
"""

from __future__ import annotations

import contextlib
from typing import Any

from textual import work
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.message import Message
from textual.timer import Timer
from textual.widgets import Button, Checkbox, Input, Select, Static

from tui_trainer.engine import (
    REGRESSION_LOSSES,
    ConfigError,
    DatasetMeta,
    Problem,
    TrainConfig,
    data_problems,
    default_loss,
    field_type,
    find_spec,
    load_dataset,
    loss_task_problem,
    losses_for_task,
    parse_value,
)
from tui_trainer.ui.field_rules import DATA_KEYS, PICK_FIELDS, SHOWN_BY, meta_key, shown_fields
from tui_trainer.ui.fields import ChoiceSelect, Field, field_id, format_value, key_of, show_text
from tui_trainer.ui.panels import (
    TENSORBOARD_INSTALL,
    DatasetPanel,
    LossPanel,
    ModelPanel,
    OptimizerPanel,
    dataset_info,
    device_choices,
    loss_choices,
    model_summary,
    set_select_options,
    tensorboard_available,
)


class SetupColumn(VerticalScroll, can_focus=False):
    """Tab moves between the fields themselves; the column scrolls to keep the focused one in view."""

    class ReadyToStart(Message):
        """The dataset check that `s` waited for is done (it may have found a problem)."""

    class ProblemsChanged(Message):
        """The number of problems that block the start changed."""

        def __init__(self, count: int) -> None:
            super().__init__()
            self.count = count

    class LossReplaced(Message):
        """The dataset's task changed and the chosen loss no longer fit it: `new` replaced `old`."""

        def __init__(self, old: str, new: str, task: str) -> None:
            super().__init__()
            self.old, self.new, self.task = old, new, task

    def __init__(self, config: TrainConfig, devices: list[str], **kwargs) -> None:
        super().__init__(**kwargs)
        self.config = config.copy()
        self.devices = devices
        self.parse_errors: dict[str, str] = {}
        self.problems: list[str] = []
        self.meta: DatasetMeta | None = None
        self.meta_note: str | None = None
        # Why the dataset could not be loaded, under the field it is about.
        self.meta_problem: Problem | None = None
        self._meta_for: tuple[Any, ...] | None = None
        self._meta_cache: dict[tuple[Any, ...], DatasetMeta] = {}
        self._meta_timer: Timer | None = None
        self._fields: dict[str, Field] = {}
        self.locked = False
        # `s` pressed while the dataset is being checked: ReadyToStart is posted once it is done.
        self.start_requested = False
        self.tensorboard_installed = tensorboard_available()

    def compose(self) -> ComposeResult:
        yield Static("", id="lock-banner")
        yield DatasetPanel(self.config)
        yield ModelPanel(self.config)
        yield LossPanel(self.config)
        yield OptimizerPanel(self.config, self.devices)
        with Vertical(id="start-area"):
            yield Static("", id="problems")
            yield Button("Start training (s)", id="start", variant="success", compact=True)

    def on_mount(self) -> None:
        self.query_one("#lock-banner").display = False
        note = self.query_one("#tensorboard-info", Static)
        show_text(note, "" if self.tensorboard_installed else f"not installed: {TENSORBOARD_INSTALL}")
        note.display = not self.tensorboard_installed
        self._show_optional_fields()
        self.revalidate()
        # Reading the dataset imports torch (and scikit-learn for digits): only after the first paint.
        self.call_after_refresh(self._request_meta, 0.0)

    def show_devices(self, devices: list[str]) -> None:
        """Replace the provisional device list once the devices have been detected."""
        self.devices = devices
        select = self.query_one("#" + field_id("train.device"), ChoiceSelect)
        set_select_options(select, device_choices(devices), self.config.train.device)
        show_text(self.query_one("#device-info", Static), "detected: " + "; ".join(devices))

    # ---- edits ------------------------------------------------------------------------
    def on_input_changed(self, event: Input.Changed) -> None:
        key = key_of(event.input.id)
        self._apply(key, event.value)
        for pick_key, filled in PICK_FIELDS.items():
            if key == filled:
                pick = self.query_one("#" + field_id(pick_key), ChoiceSelect)
                wanted = event.value.strip() if pick.offers(event.value.strip()) else Select.NULL
                if pick.value != wanted:
                    pick.value = wanted

    def on_select_changed(self, event: Select.Changed) -> None:
        if event.value is Select.NULL:
            return
        key = key_of(event.select.id)
        if key in PICK_FIELDS:
            filled = self.query_one("#" + field_id(PICK_FIELDS[key]), Input)
            if filled.value != event.value:
                filled.value = str(event.value)
            return
        self._apply(key, str(event.value))

    def on_checkbox_changed(self, event: Checkbox.Changed) -> None:
        self._apply(key_of(event.checkbox.id), "true" if event.value else "false")

    def _apply(self, key: str | None, raw: str) -> None:
        if key is None or key in PICK_FIELDS:
            return
        section, name = key.split(".")
        try:
            value = parse_value(raw.strip(), field_type(key), key)
        except ConfigError as exc:
            self.parse_errors[key] = str(exc)
        else:
            had_error = self.parse_errors.pop(key, None) is not None
            if getattr(getattr(self.config, section), name) == value:
                # Mounting posts a Changed for every field; only a cleared error changes anything.
                if had_error:
                    self.revalidate()
                return
            setattr(getattr(self.config, section), name, value)
            self.start_requested = False  # an edit after `s` means the user is not done
        if key in DATA_KEYS:
            self._request_meta()
        if key in SHOWN_BY:
            self._show_optional_fields()
        if key == "loss.one_hot":
            # Not on loss.name: the offered losses depend only on the task and one-hot, and
            # rebuilding the list the user just picked from would fight the pick.
            self._refresh_loss()
        if key.startswith("model.") or key == "loss.name":
            self._refresh_model()
        self.revalidate()

    def load_config(self, config: TrainConfig) -> None:
        """Show a whole config (e.g. a past run's) in the panels, keeping the fields no panel shows."""
        self.config = config.copy()
        self.parse_errors.clear()
        for field in self.query(Field):
            if field.key in PICK_FIELDS:
                continue
            section, name = field.key.split(".")
            value = getattr(getattr(self.config, section), name)
            widget = field.widget
            if isinstance(widget, ChoiceSelect) and not widget.offers(value):
                set_select_options(widget, widget.offered, value)
            self.set_value(field.key, value)
        self._show_optional_fields()
        self._request_meta(delay=0.0)
        self._refresh_loss()
        self._refresh_model()
        self.revalidate()

    def set_value(self, key: str, value: object) -> None:
        """Set a field from code (tests, loaded configs) as if the user typed it."""
        widget = self.query_one("#" + field_id(key))
        if isinstance(widget, Input):
            widget.value = format_value(value)
        elif isinstance(widget, Select):
            widget.value = value
        elif isinstance(widget, Checkbox):
            widget.value = bool(value)

    # ---- what is shown ----------------------------------------------------------------
    def _show_optional_fields(self) -> None:
        for key, shown in shown_fields(self.config, self.meta).items():
            self.field(key).display = shown

    def field(self, key: str) -> Field:
        """The labelled field that edits `key`."""
        return self.fields_by_key()[key]

    def fields_by_key(self) -> dict[str, Field]:
        # The fields are composed once and never replaced: looked up once, not on every keystroke.
        if not self._fields:
            self._fields = {f.key: f for f in self.query(Field)}
        return self._fields

    def _refresh_model(self) -> None:
        summary = self.query_one("#model-summary", Static)
        problems = self.config.problems()
        if self.meta is not None:
            problems += data_problems(self.config, self.meta)
        for key, what in (("model.layers", "layer stack"), ("model.hidden", "hidden sizes")):
            if key in self.parse_errors or any(p.field == key for p in problems):
                show_text(summary, f"fix the {what} to see the layers")
                return
        try:
            show_text(summary, model_summary(self.config, self.meta))
        except Exception as exc:  # a summary must never take the form down
            show_text(summary, f"cannot build this model: {exc}")

    def _refresh_loss(self) -> None:
        select = self.query_one("#" + field_id("loss.name"), ChoiceSelect)
        info = self.query_one("#loss-info", Static)
        meta, loss = self.meta, self.config.loss
        if meta is None:
            show_text(info, "")
            return
        names = list(losses_for_task(meta.task, meta.n_classes))
        if meta.task == "classification" and loss.one_hot:
            names += [n for n in REGRESSION_LOSSES if n not in names]
        set_select_options(select, loss_choices(names), loss.name)
        task = f"{meta.n_classes}-class classification" if meta.task == "classification" else "regression"
        show_text(info, f"offered: losses that fit {task}")

    # ---- dataset metadata -------------------------------------------------------------
    @property
    def checking(self) -> bool:
        """Whether the dataset's metadata for the current draft is still being loaded."""
        return self._meta_for != meta_key(self.config)

    def _request_meta(self, delay: float = 0.4) -> None:
        """Load the dataset's metadata off the UI thread, after typing pauses."""
        if self._meta_timer is not None:
            self._meta_timer.stop()
        key = meta_key(self.config)
        if key in self._meta_cache:
            self._meta_loaded(key, self._meta_cache[key], None)
            return
        try:
            find_spec(self.config.dataset.name)  # torch-free: an unknown name is an error at once
        except ConfigError as exc:
            self._meta_loaded(key, None, None, Problem("dataset.name", str(exc)))
            return
        self.meta, self.meta_note, self.meta_problem = None, None, None
        show_text(self.query_one("#dataset-info", Static), "loading dataset info…")
        self._meta_timer = self.set_timer(max(delay, 0.01), lambda: self.load_meta(key, self.config.copy()))

    @work(thread=True, group="meta", exit_on_error=False)
    def load_meta(self, key: tuple[Any, ...], config: TrainConfig) -> None:
        meta, note, problem = None, None, None
        try:
            spec, _ = find_spec(config.dataset.name)
            if spec.needs_download:
                note = f"{spec.description}\nsizes are shown after the first run downloads it"
            else:
                meta = load_dataset(config.dataset, config.train.seed).meta
        except ConfigError as exc:
            problem = Problem(exc.field or "dataset.name", str(exc))
        except Exception as exc:  # unreadable files and the like: one line, never a crash
            reason = " ".join(str(exc).split()) or type(exc).__name__
            problem = Problem("dataset.name", f"cannot load {config.dataset.name}: {reason}")
        with contextlib.suppress(RuntimeError):  # the app closed while loading
            self.app.call_from_thread(self._meta_loaded, key, meta, note, problem)

    def _meta_loaded(
        self,
        key: tuple[Any, ...],
        meta: DatasetMeta | None,
        note: str | None,
        problem: Problem | None = None,
    ) -> None:
        if meta is not None:
            self._meta_cache[key] = meta
        if key != meta_key(self.config):
            return  # an older request; a newer one is on its way
        self.meta, self.meta_note, self.meta_problem, self._meta_for = meta, note, problem, key
        if meta is not None:
            self._follow_task(meta)
        show_text(self.query_one("#dataset-info", Static), dataset_info(meta, note, problem is not None))
        self._show_optional_fields()
        self._refresh_loss()
        self._refresh_model()
        self.revalidate()
        if self.start_requested:
            self.start_requested = False
            self.post_message(self.ReadyToStart())

    def _follow_task(self, meta: DatasetMeta) -> None:
        """A chosen loss that does not fit the new dataset's task gives way to the task's default
        (`auto` and a loss that fits are kept), so switching digits -> a regression set just works."""
        loss = self.config.loss
        if loss.name == "auto" or not loss_task_problem(loss.name, meta.task, meta.n_classes, loss.one_hot):
            return
        old, loss.name = loss.name, default_loss(meta.task)
        self.post_message(self.LossReplaced(old, loss.name, meta.task))

    # ---- validation -------------------------------------------------------------------
    def revalidate(self) -> None:
        problems = self.config.problems()
        if self.meta is not None and self._meta_for == meta_key(self.config):
            problems += data_problems(self.config, self.meta)
        elif self.meta_problem is not None and self._meta_for == meta_key(self.config):
            problems.append(self.meta_problem)
        if self.config.train.tensorboard and not self.tensorboard_installed:
            message = f"train.tensorboard needs the tensorboard package: {TENSORBOARD_INSTALL}"
            problems.append(Problem("train.tensorboard", message))
        fields = self.fields_by_key()
        shown: dict[str, str] = {}
        general: list[str] = []
        for key, message in self.parse_errors.items():
            # A hidden field (momentum for Adam, samples for a file dataset) keeps its last valid
            # value; its unparsed text would block Start with a message nobody can see or fix.
            if key in fields and fields[key].display:
                shown[key] = message
        for problem in problems:
            field = fields.get(problem.field)
            if field is None or not field.display:
                general.append(problem.message)
            elif problem.field not in shown:
                shown[problem.field] = problem.message
        for key, field in fields.items():
            field.show_error(shown.get(key))
        if len(self.problems) != len(shown) + len(general):
            self.post_message(self.ProblemsChanged(len(shown) + len(general)))
        self.problems = list(shown.values()) + general
        problems_view = self.query_one("#problems", Static)
        show_text(problems_view, "\n".join(f"! {p}" for p in general))
        problems_view.display = bool(general)
        button = self.query_one("#start", Button)
        # Start also waits for the dataset check: a name typed a moment ago may not exist.
        button.disabled = bool(self.problems) or self.locked or self.checking
        if self.locked:
            button.label = "Training… (x stops)"
        elif self.problems:
            button.label = f"Fix {len(self.problems)} problem(s) to start"
        elif self.checking:
            button.label = "Checking the dataset…"
        else:
            button.label = "Start training (s)"

    def recheck_files(self) -> None:
        """A `csv:`/`folder:` dataset edited on disk since it was checked is checked again (when
        `s` is pressed), so an error fixed in the file no longer blocks the start."""
        checked, now = self._meta_for, meta_key(self.config)
        if checked is not None and checked[:-1] == now[:-1] and checked[-1] != now[-1]:
            self._request_meta(0.0)
            self.revalidate()

    def focus_first_problem(self) -> bool:
        """Focus the topmost field that shows a problem; False when none does (the problem is
        in the list above the Start button, which is scrolled into view instead)."""
        for field in self.query(Field):
            if field.display and field.has_class("-invalid"):
                target = next((w for w in field.query("*") if w.focusable), None)
                if target is not None:
                    target.focus()
                    target.scroll_visible()
                    return True
        self.query_one("#problems", Static).scroll_visible()
        return False

    def set_locked(self, locked: bool, message: str = "") -> None:
        """Block edits while a run trains, with a banner saying why."""
        self.locked = locked
        for panel in self.query(".panel"):
            panel.disabled = locked
        for field in self.query(Field):
            field.disabled = False  # fields a paused run had left locked (paused_changes)
        banner = self.query_one("#lock-banner", Static)
        show_text(banner, message)
        banner.display = locked
        self.revalidate()
