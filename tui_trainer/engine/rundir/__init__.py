"""The run directory, in one package: its layout and names (`layout`), crash-safe writes
(`atomic`), the one-process-at-a-time lock (`lock`), writing a run (`writer`), reading past runs
(`past_runs`) and loading weights through the one safe loader (`weights`).

Nothing is imported here: `layout`, `lock` and `past_runs` are torch-free and stay so for the
app's first screen and `--help`; `writer` and `weights` import torch.
"""
