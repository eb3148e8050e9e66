"""Runs trained once for all prediction tests: a CSV classifier, a CSV regression, an image folder
and a toy, each two epochs on tiny data."""

from __future__ import annotations

import pytest

from tests.predict.predict_data import train, write_fruit_csv, write_image_folder, write_price_csv


@pytest.fixture(scope="session")
def fruit_run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("fruit")
    path = write_fruit_csv(folder / "fruit.csv")
    return train(folder / "runs", f"dataset.name=csv:{path}", "dataset.target=fruit"), path


@pytest.fixture(scope="session")
def price_run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("price")
    path = write_price_csv(folder / "price.csv")
    return train(folder / "runs", f"dataset.name=csv:{path}", "dataset.target=price"), path


@pytest.fixture(scope="session")
def image_run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("images")
    root = write_image_folder(folder / "shapes")
    run = train(
        folder / "runs",
        f"dataset.name=folder:{root}",
        "dataset.image_size=8",
        "dataset.grayscale=true",
        "dataset.batch_size=8",
    )
    return run, root


@pytest.fixture(scope="session")
def moons_run(tmp_path_factory):
    return train(tmp_path_factory.mktemp("moons") / "runs")
