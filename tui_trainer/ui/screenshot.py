"""The palette's Screenshot, saved where a headless SSH box can keep it.

Textual saves screenshots into ~/Downloads, which a server often does not have ("Failed to save
screenshot"). Here the SVG goes into the shown run's directory, else the working directory, and
the notification says which file it is.
"""

from __future__ import annotations

import os

from textual.app import App


def save_screenshot(
    app: App, run_dir: str | None, filename: str | None, path: str | None, time_format: str | None
) -> str | None:
    """Save the screen as SVG into `path`, else `run_dir`, else the working directory: the first
    that takes it. Says where, or why not, in a notification; returns the file's path."""
    error: OSError | None = None
    for folder in (path, run_dir, os.getcwd()):
        if not folder:
            continue
        try:
            saved = app.save_screenshot(filename, folder, time_format)
        except OSError as exc:
            error = exc
            continue
        app.notify(f"saved {saved}", title="screenshot", timeout=8)
        return saved
    app.notify(f"could not save it: {error}", title="screenshot", severity="error")
    return None
