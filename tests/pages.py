"""Pages opened in a real headless Chromium (Debian's package, driven by Playwright): what a
user would see broken in report.html or browse.html, as a list of problems."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
needs_chromium = pytest.mark.skipif(
    CHROMIUM is None, reason="needs Chromium (apt-get install chromium; CI installs it)"
)

TRACKS = """async () => {
  const browser = window.seqmodelsBrowser;
  const found = [];
  for (const view of browser.trackViews) {
    const track = view.track;
    if (!track || !['wig', 'annotation', 'variant'].includes(track.type)) continue;
    let features = 0;
    for (const frame of browser.referenceFrameList) {
      const got = await track.getFeatures(frame.chr, Math.floor(frame.start),
                                          Math.ceil(frame.end), frame.bpPerPixel);
      features += got ? got.length : 0;
    }
    let painted = 0;  // pixels drawn in a colour other than the white background
    for (const port of view.viewports) {
      const canvas = port.canvas;
      if (!canvas || !canvas.width || !canvas.height) continue;
      const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
      for (let i = 0; i < data.length; i += 4)
        if (data[i + 3] > 0 && (data[i] < 235 || data[i + 1] < 235 || data[i + 2] < 235)) painted++;
    }
    found.push({name: track.name, type: track.type, features, painted});
  }
  const loci = browser.referenceFrameList.map(
    f => `${f.chr}:${Math.round(f.start) + 1}-${Math.round(f.end)}`);
  return {loci, tracks: found};
}"""


def page_problems(
    path: Path, *, tracks: list[str] = (), loci: list[str] = (), screenshot: Path | None = None
) -> list[str]:
    """Open ``path`` from disk and list what is wrong: an image not decoded, a request that
    would leave the machine (blocked), a console error; for an igv.js view, a track of
    ``tracks`` not loaded, with no feature at the loci or nothing painted on its canvas, and
    loci other than ``loci``."""
    from playwright.sync_api import sync_playwright

    problems, outside, errors = [], [], []

    def local_only(route):
        url = route.request.url
        if url.startswith(("file:", "data:", "blob:")):
            route.continue_()
        else:
            outside.append(url)
            route.abort()

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            page = browser.new_page(viewport={"width": 1200, "height": 900})
            page.route("**/*", local_only)
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.goto(path.as_uri(), wait_until="load")
            broken = page.evaluate(
                "Array.from(document.images)"
                ".filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.getAttribute('src'))"
            )
            problems += [f"image {src[:60]} is not decoded" for src in broken]
            if page.evaluate("typeof igv !== 'undefined'"):
                problems += _view_problems(page, tracks, loci)
            if screenshot is not None:
                page.screenshot(path=str(screenshot), full_page=True)
        finally:
            browser.close()
    problems += [f"a request would leave the machine: {url}" for url in outside]
    problems += [f"console error: {text}" for text in errors]
    return problems


def _view_problems(page, tracks, loci) -> list[str]:
    try:
        page.wait_for_function("document.body.dataset.ready === 'true'", timeout=30_000)
    except Exception:  # Playwright's timeout
        return ["the igv.js view never finished loading"]
    page.wait_for_timeout(500)  # a last repaint
    shown = page.evaluate(TRACKS)
    problems = []
    if loci and shown["loci"] != list(loci):
        problems.append(f"the view shows {shown['loci']}, not {list(loci)}")
    by_name = {t["name"]: t for t in shown["tracks"]}
    for name in tracks:
        track = by_name.get(name)
        if track is None:
            problems.append(f"track {name} is missing")
        elif not track["features"]:
            problems.append(f"track {name} has no feature at the loci")
        elif not track["painted"]:
            problems.append(f"track {name} painted nothing")
    return problems
