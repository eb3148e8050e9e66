"""Reading a search back for the Runs screen: search.json as the search wrote it, or damaged."""

import json

from tui_trainer.engine import load_search
from tui_trainer.ui.runs_data import describe_search


def write_manifest(path, manifest):
    path.mkdir(parents=True, exist_ok=True)
    (path / "search.json").write_text(json.dumps(manifest) if not isinstance(manifest, str) else manifest)
    return path


def test_trials_best_and_importance_largest_first(tmp_path):
    path = write_manifest(
        tmp_path / "search-20250101-120000",
        {
            "trials_asked": 4,
            "trials": [
                {"number": 0, "status": "completed", "value": 0.5},
                {"number": 1, "status": "pruned", "value": 0.7},
                {"number": 2, "status": "stopped", "value": None},
                {"number": 3, "status": "running", "value": None},
            ],
            "best": {"number": 0, "value": 0.5},
            "importance": {"model.hidden": 0.25, "optimizer.lr": 0.75},
        },
    )
    search = load_search(path)
    assert search.problem is None and search.trials_asked == 4
    assert [(t.number, t.status, t.value) for t in search.trials][:2] == [
        (0, "completed", 0.5),
        (1, "pruned", 0.7),
    ]
    assert search.importance == [("optimizer.lr", 0.75), ("model.hidden", 0.25)]
    line = describe_search(search)
    assert line == (
        "search-20250101-120000: 2/4 trials (1 pruned) · best trial 0: val loss 0.5 · "
        "importance: optimizer.lr 75%, model.hidden 25%"
    )


def test_a_running_search_has_no_importance_yet(tmp_path):
    path = write_manifest(tmp_path / "s", {"trials_asked": 9, "trials": [{"number": 0, "status": "running"}]})
    assert describe_search(load_search(path)).endswith(
        "0/9 trials (0 pruned) · importance: once the search ends"
    )


def test_damaged_or_missing_manifests_say_so_and_never_raise(tmp_path):
    assert load_search(tmp_path / "missing").problem == "no search.json"
    broken = load_search(write_manifest(tmp_path / "broken", '{"trials": ['))
    assert broken.problem.startswith("search.json unreadable")
    odd = load_search(
        write_manifest(
            tmp_path / "odd",
            {
                "trials_asked": True,
                "trials": [7, {"number": "x"}, {"number": 1, "value": "NaN"}],
                "best": [],
                "importance": {"a": "high", "b": float("inf")},
            },
        )
    )
    assert odd.problem is None and odd.trials_asked is None and odd.importance == []
    assert [(t.number, t.value) for t in odd.trials] == [(1, None)]
