"""The docs site, as a reader's browser sees it.

The site is built with `mkdocs build --strict`, served on 127.0.0.1 and
opened in headless Chromium at 1,280 px. Every page must load without a
console error and without asking for anything outside the site (the test runs
where only loopback exists, and a reader may be offline too), its diagrams
must render with labels big enough to read, no code block or notebook output
may need sideways scrolling, every internal link must lead somewhere, and the
search must find "TTL".
A screenshot of each page lands in tests/screenshots/ for a human to review.
"""

from __future__ import annotations

import dataclasses
import fnmatch
import html.parser
import re
import urllib.parse
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
import yaml

if TYPE_CHECKING:
    from playwright.sync_api import Browser, ConsoleMessage, Request

REPO = Path(__file__).resolve().parents[2]
DOCS = REPO / "docs"
SCREENSHOTS = REPO / "tests" / "screenshots"


class _ConfigLoader(yaml.SafeLoader):
    """Reads mkdocs.yml without running its !!python/name tags."""


_ConfigLoader.add_multi_constructor("tag:yaml.org,2002:python/",
                                    lambda loader, suffix, node: None)


def _notebook_globs() -> list[str]:
    """Which files mkdocs-jupyter turns into pages (its `include` setting)."""
    config = yaml.load((REPO / "mkdocs.yml").read_text(), Loader=_ConfigLoader)
    for plugin in config.get("plugins", []):
        if isinstance(plugin, dict) and "mkdocs-jupyter" in plugin:
            return (plugin["mkdocs-jupyter"] or {}).get("include", ["*.py", "*.ipynb"])
    return []


def site_pages() -> list[str]:
    """The page of every source file under docs/, as a path below the site root
    (mkdocs' directory URLs: docs/part1.md is served as part1/)."""
    pages = ["404.html"]
    notebooks = _notebook_globs()
    for source in sorted(DOCS.rglob("*")):
        relative = source.relative_to(DOCS)
        if ".ipynb_checkpoints" in relative.parts:
            continue
        if not (source.suffix == ".md" or any(fnmatch.fnmatch(relative.as_posix(), glob)
                                              for glob in notebooks)):
            continue
        relative = relative.with_suffix("")
        if relative.name in ("index", "README"):
            relative = relative.parent
        pages.append("" if relative == Path() else f"{relative.as_posix()}/")
    return pages


PAGES = site_pages()


def screenshot_name(page: str) -> str:
    return (page.strip("/").replace("/", "-").removesuffix(".html") or "index") + ".png"


@pytest.fixture(scope="session")
def screenshots() -> Path:
    """tests/screenshots/, emptied once per run so no stale picture misleads."""
    SCREENSHOTS.mkdir(exist_ok=True)
    for old in SCREENSHOTS.glob("*.png"):
        old.unlink()
    return SCREENSHOTS


# Material draws each diagram inside a *closed* shadow root, out of reach of
# any script; the test opens it (before the page's own scripts run) so it can
# read the drawn SVG. Nothing else on the page changes.
OPEN_SHADOW_ROOTS = """
const attachShadow = Element.prototype.attachShadow;
Element.prototype.attachShadow = function (init) {
    return attachShadow.call(this, {...init, mode: "open"});
};
"""


class Tab:
    """One page at 1,280 x 900 CSS pixels, and what went wrong while it loaded:
    console errors, uncaught exceptions, failed requests, and requests for
    anything outside the site (the test runs where only loopback exists, and a
    reader may be offline too)."""

    def __init__(self, browser: Browser, site_url: str) -> None:
        self.site_url = site_url
        self.page = browser.new_page(viewport={"width": 1280, "height": 900})
        self.page.add_init_script(OPEN_SHADOW_ROOTS)
        self.problems: list[str] = []
        self.page.on("pageerror", lambda error: self.problems.append(
            f"uncaught exception: {error}"))
        self.page.on("console", self._console)
        self.page.on("request", self._request)
        self.page.on("response", lambda response: response.status >= 400 and self.problems.append(
            f"HTTP {response.status} for {response.url}"))
        self.page.on("requestfailed", lambda request: self.problems.append(
            f"request failed: {request.url} ({request.failure})"))

    def _console(self, message: ConsoleMessage) -> None:
        if message.type in ("error", "assert"):
            self.problems.append(f"console.{message.type}: {message.text}")

    def _request(self, request: Request) -> None:
        if not request.url.startswith((self.site_url, "data:", "blob:", "about:")):
            self.problems.append(f"asks for something outside the site: {request.url}")

    def open(self, page: str) -> None:
        """Open a page of the site and wait until no request is open: scripts
        go on fetching after the load event (material's search index, the
        diagram renderer), and waiting for them means their errors are seen."""
        self.page.goto(self.site_url + page, wait_until="networkidle")


@pytest.fixture
def tab(browser: Browser, site_url: str) -> Iterator[Tab]:
    opened = Tab(browser, site_url)
    try:
        yield opened
    finally:
        opened.page.close()


def wait_until_drawn(tab: Tab, diagrams: int, timeout: float = 15.0) -> None:
    """Wait until the page's `diagrams` mermaid diagrams are drawn.

    Material replaces each <pre class="mermaid"> by a <div class="mermaid">
    holding the drawn SVG; a diagram that cannot be drawn stays a <pre>.
    """
    tab.page.wait_for_function(
        f"document.querySelectorAll('div.mermaid').length === {diagrams}",
        timeout=timeout * 1000)


def mermaid_blocks(built_site: Path, page: str) -> int:
    path = built_site / page
    text = (path / "index.html" if path.is_dir() else path).read_text(encoding="utf-8")
    return len(re.findall(r'<pre class="mermaid">', text))


def screenshot(tab: Tab, path: Path, *, max_height: int = 12000) -> None:
    """A PNG of the whole page, cut at `max_height` CSS pixels."""
    height = tab.page.evaluate("document.documentElement.scrollHeight")
    tab.page.screenshot(path=path, full_page=True,
                        clip={"x": 0, "y": 0, "width": 1280, "height": min(height, max_height)})


# Code a reader has to scroll sideways to read: code blocks, console
# listings, the notebooks' cells and outputs, tables. Source code and notebook
# output must fit as written, without wrapping (a wrapped line of code reads
# as two, and a hex dump wrapped mid-field loses its columns), so each is
# measured with wrapping turned off. Console and text listings may wrap at
# spaces, as a terminal does (docs/stylesheets/extra.css), and tables as
# prose does: only a word too long for the column makes them scroll. One pixel of slack for rounding.
WIDER_THAN_THEIR_BOX = """
[...document.querySelectorAll('article pre, article table')].flatMap(block => {
  const box = block.querySelector(':scope > code') ?? block;
  const mayWrap = block.tagName === 'TABLE' ||
                  block.closest('.language-console, .language-text') !== null;
  const saved = box.style.whiteSpace;
  if (!mayWrap) box.style.whiteSpace = 'pre';
  const [needed, has] = [box.scrollWidth, box.clientWidth];
  box.style.whiteSpace = saved;
  if (has === 0 || needed <= has + 1) return [];
  const longest = box.innerText.split('\\n').reduce((a, b) => b.length > a.length ? b : a, '');
  return [`${block.closest('[class*=language-]')?.className ?? block.className ?? ''} ` +
          `${box.tagName.toLowerCase()}: ${needed} px of text in ${has} px: ` +
          JSON.stringify(longest.slice(0, 100))];
})
"""


# The smallest text a diagram may show, in CSS pixels. The page's body text
# is 16 px (material: 0.8rem of a 20 px root) and its code 13.6 px; the
# smallest text the theme itself sets for reading (the footer, the copyright
# line, a table's cells) is 12.8 px. A diagram drawn to fit the column may
# shrink a little (mermaid draws at 16 px), but not below 12 px: smaller
# than that, DejaVu Sans on a 96 dpi screen is read letter by letter, and
# the labels are what a diagram is for. Before this check the flowcharts of
# parts 3 and 4 drew theirs at 5 to 8 px.
SMALLEST_DIAGRAM_TEXT = 12.0

# The drawn size of each label: its font size times the factor by which the
# SVG is scaled to fit the page (drawn width / viewBox width). Mermaid writes
# labels as SVG <text> or as HTML inside <foreignObject>; both are measured.
DIAGRAM_TEXT_SIZES = """
[...document.querySelectorAll('div.mermaid')].flatMap((host, diagram) => {
  const svg = (host.shadowRoot ?? host).querySelector('svg');
  if (!svg) return [];
  const viewBox = svg.viewBox.baseVal;
  const scale = viewBox && viewBox.width ? svg.getBoundingClientRect().width / viewBox.width : 1;
  return [...svg.querySelectorAll('text, foreignObject span, foreignObject p, foreignObject div')]
    .filter(label => label.textContent.trim() &&
                     ![...label.children].some(child => child.textContent.trim()))
    .map(label => ({diagram, text: label.textContent.trim().slice(0, 40),
                    px: parseFloat(getComputedStyle(label).fontSize) * scale}));
})
"""


@dataclasses.dataclass
class Visit:
    """What one page showed at 1,280 px: each page is opened once, and the
    tests below read what was seen."""

    problems: list[str]
    title: str
    body: str
    too_wide: list[str]
    diagrams: int
    labels: list[dict]


@pytest.fixture(scope="module")
def visit(browser: Browser, site_url: str, built_site: Path,
          screenshots: Path) -> Callable[[str], Visit]:
    seen: dict[str, Visit] = {}

    def open_once(page: str) -> Visit:
        if page not in seen:
            tab = Tab(browser, site_url)
            try:
                tab.open(page)
                diagrams = mermaid_blocks(built_site, page)
                if not tab.problems:   # a renderer that failed to load never draws
                    wait_until_drawn(tab, diagrams)
                screenshot(tab, screenshots / screenshot_name(page))
                evaluate = tab.page.evaluate
                seen[page] = Visit(
                    problems=list(tab.problems),
                    title=evaluate("document.querySelector('h1')?.textContent ?? ''"),
                    body=evaluate("document.querySelector('article')?.innerText ?? ''"),
                    too_wide=evaluate(WIDER_THAN_THEIR_BOX),
                    diagrams=diagrams,
                    labels=evaluate(DIAGRAM_TEXT_SIZES) if diagrams else [])
            finally:
                tab.page.close()
        return seen[page]

    return open_once


@pytest.mark.parametrize("page", PAGES)
def test_page_loads_cleanly(visit: Callable[[str], Visit], page: str) -> None:
    seen = visit(page)
    assert seen.problems == []
    # A page that failed to render would still "load": check it has a title
    # and text of its own (not only the theme's frame).
    assert seen.title.strip(), f"{page} has no <h1>"
    if page == "404.html":
        return   # material's 404 page is its title alone
    assert len(seen.body.strip()) > len(seen.title.strip()), f"{page} has nothing but its title"


@pytest.mark.parametrize("page", [page for page in PAGES if page != "404.html"])
def test_no_code_needs_sideways_scrolling(visit: Callable[[str], Visit], page: str) -> None:
    """At 1,280 px, the width of a laptop screen, every code block and
    notebook output fits its column: a reader never scrolls sideways to see
    the end of a line (the source is 100 columns wide, ruff's line length).
    Each failure names the box, its widths and its longest line."""
    too_wide = visit(page).too_wide
    assert not too_wide, "needs sideways scrolling:\n" + "\n".join(too_wide)


def pages_with_diagrams() -> list[str]:
    """The pages whose Markdown source has a mermaid block."""
    pages = []
    for page in PAGES:
        source = DOCS / f"{page.rstrip('/') or 'index'}.md"
        if source.is_file() and "```mermaid" in source.read_text(encoding="utf-8"):
            pages.append(page)
    return pages


@pytest.mark.parametrize("page", pages_with_diagrams())
def test_diagram_text_is_readable(visit: Callable[[str], Visit], page: str) -> None:
    seen = visit(page)
    assert {label["diagram"] for label in seen.labels} == set(range(seen.diagrams)), \
        "a diagram has no label the test can measure"
    too_small = [f"diagram {label['diagram'] + 1}: {label['text']!r} at {label['px']:.1f} px"
                 for label in seen.labels if label["px"] < SMALLEST_DIAGRAM_TEXT]
    assert not too_small, "text too small to read:\n" + "\n".join(too_small)


def test_search_finds_ttl(tab: Tab, screenshots: Path) -> None:
    """Type "TTL" into the search box, as a reader would, and read the results."""
    tab.open("")
    assert tab.problems == []
    tab.page.locator("[data-md-component=search-query]").focus()
    tab.page.keyboard.type("TTL")
    tab.page.wait_for_function(
        "document.querySelectorAll('.md-search-result__item').length > 0", timeout=10_000)
    tab.page.screenshot(path=screenshots / "search-ttl.png")

    found = tab.page.evaluate("""[...document.querySelectorAll('.md-search-result__item')]
        .map(item => ({href: item.querySelector('a').getAttribute('href'),
                       marked: [...item.querySelectorAll('mark')].map(m => m.textContent)}))""")
    pages = {urllib.parse.urlsplit(result["href"]).path for result in found}
    assert pages
    assert any("ttl" in text.lower() for result in found for text in result["marked"])
    assert tab.problems == []


class _Links(html.parser.HTMLParser):
    """Every link target and every element id in one HTML page."""

    def __init__(self) -> None:
        super().__init__()
        self.targets: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if attributes.get("id"):
            self.ids.add(attributes["id"])
        if tag == "a" and attributes.get("name"):
            self.ids.add(attributes["name"])
        for attribute in ("href", "src"):
            value = attributes.get(attribute)
            if value and tag in ("a", "link", "script", "img", "iframe", "source"):
                self.targets.append(value)


def _parse(path: Path) -> _Links:
    parser = _Links()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


def _target_file(site: Path, page: Path, link: str) -> tuple[Path, str] | None:
    """The file an internal link points at, and its #fragment; None if external."""
    parts = urllib.parse.urlsplit(link)
    if parts.scheme or parts.netloc or link.startswith(("mailto:", "javascript:", "data:")):
        return None
    if not parts.path:
        return page, parts.fragment
    path = urllib.parse.unquote(parts.path)
    # Absolute paths (the 404 page uses them) start at the site's root.
    base = site if path.startswith("/") else page.parent
    target = (base / path.lstrip("/")).resolve()
    if target.is_dir():
        target = target / "index.html"
    return target, parts.fragment


def test_internal_links_resolve(built_site: Path) -> None:
    """Crawl every HTML file of the built site: each internal href/src must
    name a file of the site, and each #fragment an id on the page it names."""
    site = built_site.resolve()
    parsed: dict[Path, _Links] = {}
    broken = []
    html_files = sorted(site.rglob("*.html"))
    assert len(html_files) >= len(PAGES)
    for page in html_files:
        links = parsed[page] = parsed.get(page) or _parse(page)
        for link in links.targets:
            found = _target_file(site, page, link)
            if found is None:
                continue
            target, fragment = found
            where = f"{page.relative_to(site)}: {link}"
            if not target.is_relative_to(site) or not target.is_file():
                broken.append(f"{where} (no such file)")
            elif fragment and target.suffix == ".html":
                if target not in parsed:
                    parsed[target] = _parse(target)
                ids = parsed[target].ids
                if urllib.parse.unquote(fragment) not in ids:
                    broken.append(f"{where} (no #{fragment} there)")
    assert broken == []


def test_page_list_follows_the_docs_tree() -> None:
    """The parametrisation itself: part pages and notebooks are all there."""
    for page in ("", "part1/", "part4/", "notebooks/part1/", "notebooks/part4/"):
        assert page in PAGES
    assert all(re.fullmatch(r"([\w.-]+/)*|404\.html", page) for page in PAGES)
    # The diagram check finds its pages by their source: it must see these.
    assert {"", "part2/", "part3/", "part4/"} <= set(pages_with_diagrams())
