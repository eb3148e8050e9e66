"""What a tui-trainer process exits with, and the lines it leaves with when cut short.

Torch-free and import-free: `cli`, `signals`, `--batch`, the sweep and the app all use it.
"""

EXIT_OK = 0
EXIT_FAILED = 1  # the run failed (or an export did)
EXIT_BAD_CONFIG = 2  # bad config or input: nothing was trained
EXIT_INTERRUPTED = 130  # a stop signal (or q in the app) ended a run; its finished epochs are saved

ABORTED_MESSAGE = (
    "tui-trainer: aborted; the run directory keeps every finished epoch "
    "(continue with tui-trainer --resume RUN_DIR)"
)
INTERRUPTED_EARLY_MESSAGE = "tui-trainer: interrupted before training started"
INTERRUPTED_AFTER_RUN_MESSAGE = "tui-trainer: interrupted after the run ended; its files are complete"
