"""tui-trainer: train PyTorch networks from a keyboard-driven terminal app or headless."""

__version__ = "0.1.0"
