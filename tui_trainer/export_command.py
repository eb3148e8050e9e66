"""`--export FORMAT`: export a run's model and say where it went, or why not, in one line."""

from __future__ import annotations

import sys

from rich.console import Console

from tui_trainer.engine import ExportError, WeightsFileError, describe_write_error, export_run
from tui_trainer.exit_codes import EXIT_BAD_CONFIG, EXIT_FAILED, EXIT_OK


def export_and_report(run_dir: str, fmt: str, weights: str = "final", console: Console | None = None) -> int:
    try:
        result = export_run(run_dir, fmt, weights)
    except WeightsFileError as exc:
        print(f"tui-trainer: error: {exc}", file=sys.stderr)
        return EXIT_BAD_CONFIG
    except ExportError as exc:
        print(f"tui-trainer: error: {exc}", file=sys.stderr)
        return EXIT_FAILED
    except OSError as exc:
        print(f"tui-trainer: error: {describe_write_error(exc)}", file=sys.stderr)
        return EXIT_FAILED
    (console or Console(highlight=False)).print(
        result.describe(), markup=False, highlight=False, soft_wrap=True
    )
    return EXIT_OK
