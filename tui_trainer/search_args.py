"""Which other flags `--search`, `--trials` and `--resume-search` go with: one line each when
they are misused, before anything heavy is imported."""

from __future__ import annotations

import argparse

from tui_trainer.engine.config import ConfigError


def check_search_args(args: argparse.Namespace) -> None:
    """Raises ConfigError with a one-line message saying what to change."""
    if args.trials is not None and not (args.search or args.resume_search):
        raise ConfigError("--trials only applies to searches: add --search KEY=SPEC (or --resume-search DIR)")
    if args.resume_search:
        extra = args.search or args.sweep or args.overrides or args.batch or args.config or args.resume
        if extra:
            raise ConfigError(
                "--resume-search continues a search as it was set up: "
                "give only --trials and --parallel with it"
            )
        return
    if not args.search:
        return
    if args.batch is None:
        raise ConfigError(
            "--search runs headless: add --batch "
            "(e.g. tui-trainer --batch my.toml --search optimizer.lr=1e-4..1e-1:log)"
        )
    if args.sweep:
        raise ConfigError(
            "--search and --sweep do not combine: a sweep runs a grid, a search samples; choose one"
        )
    if args.resume:
        raise ConfigError("--search starts a new search; to continue one use --resume-search SEARCH_DIR")
    if args.export:
        raise ConfigError(
            "--export applies to one run: export a trial afterwards with tui-trainer --export FORMAT RUN_DIR"
        )
