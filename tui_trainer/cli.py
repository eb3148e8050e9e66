"""Command line: the Textual app by default, `--batch` for headless runs.

Heavy modules (torch, textual) are imported only once we know what to run, so `--help` is instant.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from tui_trainer import __version__
from tui_trainer.engine.rundir.layout import CONFIG_FILE, EXPORT_FORMATS, WEIGHT_CHOICES
from tui_trainer.exit_codes import EXIT_BAD_CONFIG, EXIT_OK, INTERRUPTED_EARLY_MESSAGE

if TYPE_CHECKING:
    from tui_trainer.engine import TrainConfig


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
        "  tui-trainer --batch my.toml --sweep optimizer.lr=1e-3,1e-2 --sweep 'model.hidden=64|128,64'\n"
        "  tui-trainer --batch my.toml --search optimizer.lr=1e-4..1e-1:log --trials 40 --parallel 2\n"
        "  torchrun --nproc_per_node=4 -m tui_trainer --batch my.toml   DistributedDataParallel\n"
        "  tui-trainer --resume runs/20250101-120000-digits-64x32-adam   continue a stopped run\n"
        "  tui-trainer --resume runs/ID --set train.epochs=30             train a finished run longer\n"
        "  tui-trainer --resume runs/ID --set optimizer.lr=1e-4            continue with a lower rate\n"
        "  tui-trainer --find-lr my.toml --apply        find a learning rate, then train with it\n"
        "  tui-trainer --export onnx runs/ID                          export a finished run's model\n"
        "  tui-trainer --predict new.csv runs/ID --out predictions.csv   predict with a trained run\n"
        "  tui-trainer --inspect runs/ID                             look inside a run's trained model\n"
        "  tui-trainer --batch my.toml --tensorboard --export torchscript\n"
        "  tui-trainer --presets                        list the ready-made configs\n"
        "  tui-trainer --batch --preset digits-cnn      train one headless (--set still overrides)\n"
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
        "--sweep",
        action="append",
        default=[],
        metavar="KEY=VALUES",
        help="with --batch: run the grid over this field's values, e.g. --sweep optimizer.lr=1e-3,1e-2; "
        "list fields separate values with |, e.g. --sweep 'model.hidden=64|128,64' (repeatable: "
        "the grid is the cartesian product)",
    )
    parser.add_argument(
        "--parallel",
        type=int,
        default=1,
        metavar="K",
        help="with --sweep or --search: run K points or trials at once (CPU threads are divided "
        "among them, one GPU each when there are several; default 1)",
    )
    parser.add_argument(
        "--search",
        action="append",
        default=[],
        metavar="KEY=SPEC",
        help="with --batch: an Optuna search (pip install 'tui-trainer[search]') over this field: a range "
        "LOW..HIGH (add :log for a log scale) or choices A,B (list fields: 'A|B'), e.g. --search "
        "optimizer.lr=1e-4..1e-1:log (repeatable); trials prune on the validation loss",
    )
    parser.add_argument(
        "--trials", type=int, metavar="N", help="with --search: how many trials to run (default 20)"
    )
    parser.add_argument(
        "--resume-search",
        metavar="SEARCH_DIR",
        help="continue a stopped search (runs/search-<time>) until it has its trials (or --trials N)",
    )
    parser.add_argument(
        "--resume",
        metavar="RUN_DIR",
        help="continue a run headless from RUN_DIR/last.pt, appending to the same directory; --set "
        "may change run-length fields (train.epochs, ...) and the optimizer's and schedule's settings "
        "(optimizer.lr, momentum, betas, weight_decay, clip_grad_norm, scheduler.*, dataset.batch_size, "
        "train.accumulate_batches): recorded as changes in metrics.jsonl",
    )
    parser.add_argument(
        "--find-lr",
        nargs="?",
        const="",
        default=None,
        metavar="CONFIG",
        help="run the learning-rate range test headless (1e-7 to 10, ~100 steps on a copy of the model) "
        "and plot loss against learning rate with the suggested rates; CONFIG as for --batch",
    )
    parser.add_argument(
        "--apply",
        action="store_true",
        help="with --find-lr: then train the config with the suggested rate (the minimum ÷ 10), as --batch",
    )
    parser.add_argument(
        "--tensorboard",
        action="store_true",
        help="also log to TensorBoard under <run dir>/tensorboard (sets train.tensorboard; "
        "needs pip install 'tui-trainer[tensorboard]')",
    )
    parser.add_argument(
        "--export",
        choices=EXPORT_FORMATS,
        metavar="FORMAT",
        help="torchscript or onnx: export the model of the run directory given as argument "
        "(tui-trainer --export onnx runs/ID), or of a --batch / --resume run once it finishes",
    )
    parser.add_argument(
        "--weights",
        choices=WEIGHT_CHOICES,
        default="final",
        help="which weights --export and --predict use: final (model.pt, default), best (lowest val loss) or "
        "last (last finished epoch)",
    )
    parser.add_argument(
        "--predict",
        nargs="+",
        metavar="INPUT",
        help="predict with a trained run: --predict INPUT... RUN_DIR, each INPUT a CSV file with the "
        "run's columns (the target column optional), an image file or a folder of images",
    )
    parser.add_argument("--out", metavar="FILE", help="with --predict: write the predictions to FILE as CSV")
    parser.add_argument(
        "--top",
        type=int,
        default=3,
        metavar="K",
        help="with --predict: the K most probable classes (default 3)",
    )
    parser.add_argument(
        "--preset",
        metavar="NAME",
        help="start from a ready-made config (instead of a config file); --set still overrides",
    )
    parser.add_argument(
        "--presets", action="store_true", help="list the presets, what each shows and what to expect"
    )
    parser.add_argument(
        "--inspect",
        metavar="RUN_DIR",
        help="print what a run recorded about its model: layers, parameter statistics, gradient and "
        "dead-unit health with warnings, a linear model's fitted equation",
    )
    parser.add_argument(
        "--print-config", action="store_true", help="print the effective config as TOML and exit"
    )
    parser.add_argument(
        "--runs",
        nargs="?",
        const="",
        metavar="DIR",
        help="print the table of past runs in DIR (default: train.output_dir, runs/), as the Runs "
        "screen shows it: a table on a terminal, plain lines otherwise",
    )
    parser.add_argument("--json", action="store_true", help="with --runs: print the runs as JSON")
    parser.add_argument("--version", action="version", version=f"tui-trainer {__version__}")
    return parser


def resolve_config(args: argparse.Namespace) -> TrainConfig:
    """The TrainConfig the arguments describe; raises ConfigError with a one-line message."""
    from tui_trainer.engine.config import ConfigError, TrainConfig
    from tui_trainer.preset_command import starting_config

    if args.resume:
        if args.batch or args.config or args.preset is not None:
            raise ConfigError(
                "--resume reads the run's own config.toml: give no config file or preset with it"
            )
        config = TrainConfig.load(resume_config_path(args.resume))
    else:
        given = args.batch or args.find_lr  # `--batch FILE` / `--find-lr FILE`
        path = given or args.config
        if given and args.config:
            raise ConfigError("give the config file once: either `--batch FILE` or `FILE`, not both")
        config = starting_config(path, args.preset)
    overrides = list(args.overrides)
    if args.tensorboard:
        overrides.append("train.tensorboard=true")
    if args.data_dir:
        overrides.append(f"dataset.data_dir={args.data_dir}")
    if args.output_dir:
        overrides.append(f"train.output_dir={args.output_dir}")
    return config.with_overrides(overrides)


def resume_config_path(run_dir: str) -> Path:
    from tui_trainer.engine import ConfigError, check_not_in_use

    path = Path(run_dir).expanduser()
    if not path.is_dir():
        raise ConfigError(f"--resume needs a run directory, {run_dir!r} is not a directory")
    if not (path / CONFIG_FILE).exists():
        raise ConfigError(f"{run_dir} is not a run directory: it has no {CONFIG_FILE}")
    check_not_in_use(path)  # before the data loads: the trainer takes the lock itself later
    return path / CONFIG_FILE


def export_only(args: argparse.Namespace) -> int:
    """`--export FORMAT RUN_DIR` without training."""
    if not args.config:
        print(
            "tui-trainer: error: --export needs a run directory, e.g. tui-trainer --export onnx runs/<id>",
            file=sys.stderr,
        )
        return EXIT_BAD_CONFIG
    from tui_trainer.export_command import export_and_report

    return export_and_report(args.config, args.export, args.weights)


def predict_only(args: argparse.Namespace) -> int:
    """`--predict INPUT... RUN_DIR` (RUN_DIR may also stand before --predict)."""
    if args.batch is not None or args.resume or args.sweep or args.export:
        print(
            "tui-trainer: error: --predict runs on its own, not with --batch/--resume/--sweep/--export",
            file=sys.stderr,
        )
        return EXIT_BAD_CONFIG
    from tui_trainer.predict_command import predict_and_report

    items = args.predict + ([args.config] if args.config else [])
    return predict_and_report(items, args.out, args.weights, args.top)


def main(argv: list[str] | None = None) -> int:
    # First thing, before the seconds of importing torch: any stop signal leaves with one line
    # and 130 (not a KeyboardInterrupt traceback, not a silent 143). Runs put their own
    # stop-and-save handlers over this one; the caller's handlers are back when main returns.
    from tui_trainer.signals import ExitAtOnce, handle_stop_signals

    restore_signals = handle_stop_signals(ExitAtOnce(INTERRUPTED_EARLY_MESSAGE))
    try:
        return _main(build_parser().parse_args(argv))
    finally:
        restore_signals()


def _main(args: argparse.Namespace) -> int:
    from tui_trainer.engine.config import ConfigError

    if args.predict:
        return predict_only(args)
    if args.presets:
        from tui_trainer.preset_command import print_presets

        return print_presets()
    if args.inspect:
        from tui_trainer.inspect_command import inspect_and_report

        return inspect_and_report(args.inspect)
    headless = args.batch is not None or args.resume or args.find_lr is not None
    if args.export and not headless and not args.print_config:
        return export_only(args)
    try:
        if args.apply and args.find_lr is None:
            raise ConfigError("--apply goes with --find-lr: tui-trainer --find-lr [CONFIG] --apply")
        if args.find_lr is not None and (args.batch is not None or args.resume or args.sweep or args.search):
            raise ConfigError(
                "--find-lr runs on its own: give it the config, not --batch, --resume, --sweep or --search"
            )
        if args.sweep and args.batch is None:
            raise ConfigError(
                "--sweep runs headless: add --batch (e.g. tui-trainer --batch my.toml --sweep ...)"
            )
        if args.parallel != 1 and not (args.sweep or args.search or args.resume_search):
            raise ConfigError("--parallel only applies to sweeps and searches: add --sweep or --search")
        if args.resume_search or args.search or args.trials is not None:
            from tui_trainer.search_args import check_search_args

            check_search_args(args)
        if args.json and args.runs is None:
            raise ConfigError("--json only applies to --runs: add --runs [DIR]")
        config = resolve_config(args)
    except ConfigError as exc:
        print(f"tui-trainer: error: {exc}", file=sys.stderr)
        return EXIT_BAD_CONFIG
    if args.print_config:
        sys.stdout.write(config.to_toml())
        return EXIT_OK
    if args.runs is not None:
        from tui_trainer.runs_command import print_runs

        return print_runs(args.runs or config.train.output_dir, as_json=args.json)

    if args.find_lr is not None:
        from tui_trainer.find_lr_command import run_find_lr

        return run_find_lr(config, args.apply, export=args.export, weights=args.weights)
    if args.resume_search:
        from tui_trainer.search import resume_search

        return resume_search(args.resume_search, args.trials, args.parallel)
    if args.search:
        from tui_trainer.search import run_search

        return run_search(config, args.search, args.trials, args.parallel, set_keys=args.overrides)
    if args.sweep:
        from tui_trainer.sweep import run_sweep

        return run_sweep(config, args.sweep, args.parallel, set_keys=args.overrides)
    if args.batch is not None or args.resume:
        from tui_trainer.batch import run_batch

        return run_batch(config, resume_from=args.resume, export=args.export, weights=args.weights)
    from tui_trainer.ui.launch import run_app

    return run_app(config, config_path=args.config)


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
