"""Command line: the Textual app by default, `--batch` for headless runs.

Heavy modules (torch, textual) are imported only once we know what to run, so `--help` is instant.
"""

from __future__ import annotations

import argparse
import sys

from tui_trainer import __version__

EXIT_OK, EXIT_FAILED, EXIT_BAD_CONFIG, EXIT_INTERRUPTED = 0, 1, 2, 130


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="tui-trainer",
        description="Train PyTorch neural networks in a keyboard-driven terminal app, "
        "or headless with --batch.",
        epilog="examples:\n"
        "  tui-trainer                                  open the app on the default config\n"
        "  tui-trainer my.toml                          open the app on a saved config\n"
        "  tui-trainer --batch                          train the default config headless\n"
        "  tui-trainer --batch my.toml --set optimizer.lr=3e-4 --set model.hidden=256,128\n"
        "  tui-trainer --batch --set dataset.name=mnist --data-dir ~/datasets\n"
        "  tui-trainer --batch --set dataset.name=csv:iris.csv --set dataset.target=species",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("config", nargs="?", help="TOML config file to open (app) or run (--batch)")
    parser.add_argument(
        "--batch",
        nargs="?",
        const="",
        default=None,
        metavar="CONFIG",
        help="run headless with rich progress output; CONFIG is a TOML file (default config if omitted)",
    )
    parser.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override one config field, e.g. --set optimizer.lr=3e-4 (repeatable)",
    )
    parser.add_argument(
        "--data-dir",
        metavar="DIR",
        help="where torchvision datasets are downloaded and cached (default ~/.cache/tui-trainer); "
        "relative csv:/folder: paths are also looked up there (sets dataset.data_dir)",
    )
    parser.add_argument("--output-dir", help="where run directories go (sets train.output_dir)")
    parser.add_argument(
        "--print-config", action="store_true", help="print the effective config as TOML and exit"
    )
    parser.add_argument("--version", action="version", version=f"tui-trainer {__version__}")
    return parser


def resolve_config(args: argparse.Namespace):
    """The TrainConfig the arguments describe; raises ConfigError with a one-line message."""
    from tui_trainer.engine.config import ConfigError, TrainConfig

    path = args.batch if args.batch else args.config
    if args.batch is not None and args.batch and args.config:
        raise ConfigError("give the config file once: either `--batch FILE` or `FILE`, not both")
    config = TrainConfig.load(path) if path else TrainConfig()
    overrides = list(args.overrides)
    if args.data_dir:
        overrides.append(f"dataset.data_dir={args.data_dir}")
    if args.output_dir:
        overrides.append(f"train.output_dir={args.output_dir}")
    return config.with_overrides(overrides)


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    from tui_trainer.engine.config import ConfigError

    try:
        config = resolve_config(args)
    except ConfigError as exc:
        print(f"tui-trainer: error: {exc}", file=sys.stderr)
        return EXIT_BAD_CONFIG
    if args.print_config:
        sys.stdout.write(config.to_toml())
        return EXIT_OK
    if args.batch is not None:
        from tui_trainer.batch import run_batch

        return run_batch(config)
    from tui_trainer.ui.app import run_app

    return run_app(config, config_path=args.config)


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
