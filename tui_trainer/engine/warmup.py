"""Pay a first run's one-time costs ahead of time, on a background thread.

Importing the training loop loads torch (~2 s here); the first optimizer built in a process
imports `torch._dynamo` (~2-3 s more, whatever the optimizer); the first backward pass and
optimizer step initialise autograd and the kernels. The app runs this right after its first
paint so that pressing start trains at once.
"""

from __future__ import annotations


def warm_up() -> None:
    import torch

    from tui_trainer.engine import trainer  # noqa: F401  (the loop and everything it imports)

    layer = torch.nn.Linear(4, 2)
    optimizer = torch.optim.Adam(layer.parameters())
    layer(torch.zeros(2, 4)).sum().backward()
    optimizer.step()
