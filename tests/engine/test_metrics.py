import torch
from sklearn.metrics import confusion_matrix, precision_recall_fscore_support

from tui_trainer.engine.metrics import ConfusionMatrix, regression_metrics


def test_confusion_matrix_matches_scikit_learn():
    g = torch.Generator().manual_seed(0)
    y = torch.randint(0, 4, (500,), generator=g)
    p = torch.where(torch.rand(500, generator=g) < 0.7, y, torch.randint(0, 4, (500,), generator=g))
    p[p == 3] = 2  # class 3 never predicted: precision must be 0, not NaN
    matrix = ConfusionMatrix.from_predictions(y, p, 4)
    assert matrix.counts.tolist() == confusion_matrix(y, p, labels=range(4)).tolist()
    precision, recall, f1, _ = precision_recall_fscore_support(y, p, labels=range(4), zero_division=0)
    assert torch.allclose(
        torch.tensor(matrix.precision(), dtype=torch.float64),
        torch.tensor(precision, dtype=torch.float64),
        atol=1e-9,
    )
    assert torch.allclose(
        torch.tensor(matrix.recall(), dtype=torch.float64),
        torch.tensor(recall, dtype=torch.float64),
        atol=1e-9,
    )
    assert torch.allclose(
        torch.tensor(matrix.f1(), dtype=torch.float64), torch.tensor(f1, dtype=torch.float64), atol=1e-9
    )
    assert abs(matrix.accuracy() - float((y == p).double().mean())) < 1e-12


def test_regression_metrics():
    t = torch.tensor([1.0, 2.0, 3.0])
    stats = regression_metrics(t, t + 1)
    assert stats["mse"] == 1.0 and stats["mae"] == 1.0
    assert abs(stats["r2"] - (1 - 1 / (2 / 3))) < 1e-9
    assert regression_metrics(t, t)["r2"] == 1.0
