"""The web pages in a real browser (Debian's chromium, driven by Playwright): upload a bundled
example, start a run with a changed parameter, watch it succeed, open a task's log and an
output, and see a failing run's error; at 1280 and 390 pixels wide. Screenshots of each page
are kept in $YAMLPIPE_SCREENSHOTS (else a folder under the test's tmp path)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from serving import Server

playwright = pytest.importorskip("playwright.sync_api")

CHROMIUM = "/usr/bin/chromium"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
FAILING = """\
name: failing
description: A step that fails, to see its error.
tasks:
  breaks:
    container:
      image: python:3.12
      command: [sh, -c, 'echo about to fail; exit 3']
"""


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    if not shutil.which(CHROMIUM):
        if os.environ.get("CI"):
            pytest.fail(f"no browser at {CHROMIUM}: apt-get install -y chromium")
        pytest.skip(f"no browser at {CHROMIUM} (apt-get install -y chromium)")
    with playwright.sync_playwright() as driver:
        launched = driver.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield launched
        launched.close()


@pytest.fixture
def shots(tmp_path: Path) -> Path:
    folder = Path(os.environ.get("YAMLPIPE_SCREENSHOTS") or tmp_path / "screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.mark.parametrize("width", [1280, 390])
def test_upload_run_watch_and_read(
    browser: object, server: Server, project: Path, shots: Path, width: int
) -> None:
    page = browser.new_page(viewport={"width": width, "height": 900})  # type: ignore[attr-defined]
    shot = lambda name: page.screenshot(path=shots / f"{width}-{name}.png", full_page=True)  # noqa: E731
    page.goto(f"{server.url}/ui/pipelines")
    page.set_input_files("#file", str(project / "pipelines" / "quickstart.yaml"))
    page.click("button:has-text('Upload')")
    page.wait_for_selector("h1:has-text('quickstart')")
    assert page.locator(".dag-wrap .box").count() >= 4
    shot("pipeline")
    page.click("a:has-text('Create a run')")
    page.fill("#param_rows", "250")
    shot("create-run")
    page.click("#start")
    page.wait_for_selector("[data-run-state]:has-text('Succeeded')", timeout=120_000)
    assert "250" in page.locator(".kv").inner_text()
    page.click(".box:has-text('best')")
    panel = page.locator("#task-panel")
    panel.locator("h4:has-text('Outputs')").wait_for()
    page.wait_for_function("document.querySelector('#task-log')?.textContent.length > 0")
    assert "accuracy" in panel.inner_text().lower()
    shot("run")
    page.goto(f"{server.url}/ui/runs")
    assert page.locator("td .state").first.inner_text() == "Succeeded"
    shot("runs")
    page.goto(f"{server.url}/ui/experiments")
    shot("experiments")
    page.close()


def test_a_failing_run_shows_its_error(
    browser: object, server: Server, project: Path, shots: Path
) -> None:
    (project / "failing.yaml").write_text(FAILING, encoding="utf-8")
    page = browser.new_page(viewport={"width": 1280, "height": 900})  # type: ignore[attr-defined]
    page.goto(f"{server.url}/ui/pipelines")
    page.set_input_files("#file", str(project / "failing.yaml"))
    page.fill("#folder", "")
    page.click("button:has-text('Upload')")
    page.click("a:has-text('Create a run')")
    page.click("#start")
    page.wait_for_selector("[data-run-state]:has-text('Failed')", timeout=60_000)
    error = page.locator("#run-error")
    assert "breaks" in error.inner_text() and "exit code 3" in error.inner_text()
    page.click(".box:has-text('breaks')")
    page.wait_for_function("document.querySelector('#task-log')?.textContent.includes('about')")
    page.screenshot(path=shots / "1280-failed-run.png", full_page=True)
    page.close()


def test_an_invalid_upload_shows_located_errors(
    browser: object, server: Server, project: Path, shots: Path
) -> None:
    broken = project / "pipelines" / "broken.yaml"
    text = (project / "pipelines" / "quickstart.yaml").read_text("utf-8")
    broken.write_text(text.replace('rows: "${{ inputs.rows }}"', 'rowz: "${{ inputs.rows }}"'))
    page = browser.new_page(viewport={"width": 1280, "height": 900})  # type: ignore[attr-defined]
    page.goto(f"{server.url}/ui/pipelines")
    page.set_input_files("#file", str(broken))
    page.click("button:has-text('Upload')")
    problems = page.locator("#problems")
    problems.wait_for()
    assert "broken.yaml:" in problems.inner_text() and "rowz" in problems.inner_text()
    assert page.locator("mark.caret").count() >= 1
    page.screenshot(path=shots / "1280-upload-errors.png", full_page=True)
    page.close()
