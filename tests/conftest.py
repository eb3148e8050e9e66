import os

import pytest

# Keep every test on the CPU with few threads: CI has 2 cores and no GPU.
os.environ.setdefault("OMP_NUM_THREADS", "1")


@pytest.fixture
def runs_dir(tmp_path):
    return tmp_path / "runs"
