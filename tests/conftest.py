import gc
import os

import pytest

# Keep every test on the CPU with few threads: CI has 2 cores and no GPU.
os.environ.setdefault("OMP_NUM_THREADS", "1")
# Textual's animations (the tab underline sliding, smooth scrolling) are frames a test waits for
# after each key: a tab switch took ~700 ms with them and ~370 ms without. What the tests assert
# (which tab shows, where a scroll ends) is the same. Read when Textual is first imported.
os.environ.setdefault("TEXTUAL_ANIMATIONS", "none")

# Each UI test builds an app of ~430 widgets, and the objects of earlier tests' apps pile up in
# the oldest generation: with the default thresholds the collector took 0.6-1.0 s of each ~5.5 s
# app test, with these 0.1-0.2 s. Garbage is still collected, only in fewer, larger passes.
gc.set_threshold(50_000, 20, 100)


@pytest.fixture
def runs_dir(tmp_path):
    return tmp_path / "runs"
