"""What frames the app: the footer and status line of a paused run, the line a too small terminal
shows, and where the palette's Screenshot goes."""

from pathlib import Path

from textual.widgets import Footer

from tests.ui.conftest import meta_loaded, notifications, screen_text, static_text, train_to_the_end, wait_for
from tui_trainer.ui.app import TrainerApp


def footer_descriptions(app) -> list[str]:
    return [key.description for key in app.query_one(Footer).query("FooterKey") if key.region.width > 0]


async def test_pause_shows_paused_without_a_rate_and_the_footer_offers_resume(make_config):
    app = TrainerApp(make_config(epochs=100_000))
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: meta_loaded(app, "moons"), what="moons metadata")
        await pilot.press("s")
        await wait_for(pilot, lambda: app.view.last_batch is not None, what="the first report")
        await pilot.pause()
        assert "samples/s" in static_text(app, "#progress-line")
        assert "Pause" in footer_descriptions(app) and "Resume" not in footer_descriptions(app)

        await pilot.press("p")
        await wait_for(pilot, lambda: app.view.state == "paused", what="the pause")
        await pilot.pause()
        line = static_text(app, "#progress-line")
        assert line.startswith("paused") and "samples/s" not in line and "ETA" not in line
        assert "Resume" in footer_descriptions(app) and "Pause" not in footer_descriptions(app)

        await pilot.press("p")  # the key the footer names resumes
        await wait_for(
            pilot, lambda: "resumed at step" in "".join(line.text for line in app.query_one("#log").lines)
        )
        await pilot.pause()
        assert "Pause" in footer_descriptions(app) and "Resume" not in footer_descriptions(app)
        await pilot.press("x")
        await wait_for(pilot, lambda: app.view.finished is not None, what="the stop")


async def test_a_terminal_below_80x24_shows_one_line_saying_so(make_config):
    app = TrainerApp(make_config())
    async with app.run_test(size=(40, 12)) as pilot:
        await wait_for(pilot, lambda: "too small" in screen_text(app), what="the too-small line")
        text = screen_text(app)
        assert "terminal too small: 40×12, need 80×24" in text
        assert "Dataset (d)" not in text and "Training" not in text

        await pilot.resize_terminal(79, 30)
        await wait_for(pilot, lambda: "79×30" in screen_text(app), what="the new size")
        await pilot.resize_terminal(80, 24)
        await wait_for(pilot, lambda: "Dataset (d)" in screen_text(app), what="the layout")
        assert "too small" not in screen_text(app)
        await train_to_the_end(pilot, "moons")  # and the app works as before
        assert app.view.finished.status == "completed"


async def screenshot_from_the_palette(pilot, where: Path) -> Path:
    before = set(where.glob("*.svg"))
    await pilot.press("ctrl+p", *"screenshot", "enter")
    await wait_for(pilot, lambda: set(where.glob("*.svg")) - before, what=f"a screenshot in {where}")
    (saved,) = set(where.glob("*.svg")) - before
    return saved


async def test_the_palettes_screenshot_goes_to_the_run_directory_or_the_working_one(
    make_config, tmp_path, monkeypatch
):
    home, work = tmp_path / "home", tmp_path / "work"
    home.mkdir()  # no Downloads folder, as on a headless server
    work.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.chdir(work)
    app = TrainerApp(make_config(epochs=1))
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: meta_loaded(app, "moons"), what="moons metadata")
        saved = await screenshot_from_the_palette(pilot, work)  # no run yet: the working directory
        assert "<svg" in saved.read_text(encoding="utf-8")
        assert any(str(saved) in n.message for n in notifications(app))

        await train_to_the_end(pilot, "moons")
        run_dir = Path(app.view.finished.run_dir)
        saved = await screenshot_from_the_palette(pilot, run_dir)
        assert any(str(saved) in n.message for n in notifications(app))
        assert not any("Failed" in n.message for n in notifications(app))
