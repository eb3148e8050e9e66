"""The one typed configuration of a training run, with TOML I/O and `--set` overrides.

This module imports no torch: the CLI's `--help` and the UI's field validation must stay fast.
Checks that need torch or the data (device availability, CSV columns, batch size versus
dataset size) live in `engine.validate`.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, get_type_hints

from tui_trainer.engine.config_checks import static_problems
from tui_trainer.engine.config_sections import (
    DatasetConfig,
    LossConfig,
    ModelConfig,
    OptimizerConfig,
    SchedulerConfig,
    TrainSettings,
)
from tui_trainer.engine.config_values import (
    MAX_TOY_SAMPLES,
    ConfigError,
    Problem,
    coerce,
    parse_toml,
    parse_value,
)

__all__ = [
    "DatasetConfig",
    "LossConfig",
    "ModelConfig",
    "OptimizerConfig",
    "SchedulerConfig",
    "TrainSettings",
    "MAX_TOY_SAMPLES",
    "ConfigError",
    "TrainConfig",
    "coerce",
    "field_type",
    "parse_value",
]


@dataclass
class TrainConfig:
    dataset: DatasetConfig = field(default_factory=DatasetConfig)
    model: ModelConfig = field(default_factory=ModelConfig)
    loss: LossConfig = field(default_factory=LossConfig)
    optimizer: OptimizerConfig = field(default_factory=OptimizerConfig)
    scheduler: SchedulerConfig = field(default_factory=SchedulerConfig)
    train: TrainSettings = field(default_factory=TrainSettings)

    # ---- conversion -------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        return {section.name: _section_record(getattr(self, section.name)) for section in fields(self)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TrainConfig:
        config = cls()
        if not isinstance(data, dict):
            raise ConfigError("config must be a table of sections")
        for section_name, values in data.items():
            section = _section(config, section_name)
            if not isinstance(values, dict):
                raise ConfigError(f"[{section_name}] must be a table, got {values!r}")
            for key, value in values.items():
                _assign(section, section_name, key, value)
        return config

    def copy(self) -> TrainConfig:
        return TrainConfig.from_dict(self.to_dict())

    # ---- TOML -------------------------------------------------------------------------
    @classmethod
    def load(cls, path: str | Path) -> TrainConfig:
        """The config in a TOML file; any problem with the file is a ConfigError naming it."""
        path = Path(path)
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            raise ConfigError(f"config file not found: {path}") from None
        except OSError as exc:
            raise ConfigError(f"cannot read config file {path}: {exc.strerror or exc}") from None
        data = parse_toml(raw, path)
        try:
            return cls.from_dict(data)
        except ConfigError as exc:
            raise ConfigError(f"{path}: {exc}") from None

    def to_toml(self) -> str:
        import tomli_w

        return tomli_w.dumps(self.to_dict())

    def save(self, path: str | Path) -> None:
        from tui_trainer.engine.rundir.atomic import atomic_write_text

        atomic_write_text(Path(path), self.to_toml())

    # ---- overrides --------------------------------------------------------------------
    def set(self, assignment: str) -> None:
        """Apply one `section.key=value` override, parsing value to the field's type."""
        if "=" not in assignment:
            raise ConfigError(f"--set expects key=value, got {assignment!r}")
        key_path, raw = assignment.split("=", 1)
        key_path = key_path.strip()
        if key_path.count(".") != 1:
            raise ConfigError(f"--set key must look like section.field (e.g. optimizer.lr), got {key_path!r}")
        section_name, key = key_path.split(".")
        section = _section(self, section_name)
        _assign(
            section,
            section_name,
            key,
            parse_value(raw.strip(), _field_type(section, section_name, key), key_path),
        )

    def with_overrides(self, assignments: list[str]) -> TrainConfig:
        config = self.copy()
        for assignment in assignments:
            config.set(assignment)
        config.check()
        return config

    # ---- static validation ------------------------------------------------------------
    def check(self) -> TrainConfig:
        """Raise ConfigError for the first problem that can be seen without data or torch."""
        for problem in self.problems():
            raise ConfigError(problem.message, field=problem.field)
        return self

    def problems(self) -> list[Problem]:
        """Every static problem as (field, one-line message); the UI shows each under its field."""
        return static_problems(
            self.dataset, self.model, self.loss, self.optimizer, self.scheduler, self.train
        )


# ---- helpers ----------------------------------------------------------------------------


def _section_record(section: Any) -> dict[str, Any]:
    # Not `dataclasses.asdict`, which deep-copies every value: the sections hold scalars and flat
    # lists, and a run records its settings every epoch (the checkpoint's state).
    record = {}
    for f in fields(section):
        value = getattr(section, f.name)
        record[f.name] = list(value) if isinstance(value, list) else value
    return record


def _section(config: TrainConfig, section_name: str) -> Any:
    names = [f.name for f in fields(config)]
    if section_name not in names:
        raise ConfigError(f"unknown config section {section_name!r}; valid: {', '.join(names)}")
    return getattr(config, section_name)


_TYPE_HINTS: dict[type, dict[str, Any]] = {}


def _type_hints(section_type: type) -> dict[str, Any]:
    # Resolving the string annotations is most of a config copy's cost, and the app copies the
    # config on every key typed into the model's fields.
    if section_type not in _TYPE_HINTS:
        _TYPE_HINTS[section_type] = get_type_hints(section_type)
    return _TYPE_HINTS[section_type]


def _field_type(section: Any, section_name: str, key: str) -> Any:
    hints = _type_hints(type(section))
    if key not in hints:
        valid = ", ".join(f.name for f in fields(section))
        raise ConfigError(f"unknown field {section_name}.{key}; valid: {valid}")
    return hints[key]


def _assign(section: Any, section_name: str, key: str, value: Any) -> None:
    expected = _field_type(section, section_name, key)
    setattr(section, key, coerce(value, expected, f"{section_name}.{key}"))


def field_type(key_path: str) -> Any:
    """The Python type of `section.field`, for UIs that parse text inputs."""
    section_name, key = key_path.split(".")
    config = TrainConfig()
    return _field_type(_section(config, section_name), section_name, key)
