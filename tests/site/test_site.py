"""The docs site, as a reader's browser sees it.

The site is built with `mkdocs build --strict`, served on 127.0.0.1 and
opened in headless Chromium. Every page must load without a console error and
without asking for anything outside the site (the test runs where only
loopback exists, and a reader may be offline too), its diagrams must render,
every internal link must lead somewhere, and the search must find "TTL".
A screenshot of each page lands in tests/screenshots/ for a human to review.
"""

from __future__ import annotations

import fnmatch
import html.parser
import re
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from cdp import Browser, Tab

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


@pytest.fixture
def tab(browser: Browser) -> Iterator[Tab]:
    opened = Tab(browser)
    try:
        yield opened
    finally:
        opened.close()


def wait_until_drawn(tab: Tab, diagrams: int, timeout: float = 15.0) -> None:
    """Wait until the page's `diagrams` mermaid diagrams are drawn.

    Material replaces each <pre class="mermaid"> by a <div class="mermaid">
    holding the drawn SVG; a diagram that cannot be drawn stays a <pre>.
    """
    tab.wait_until(f"document.querySelectorAll('div.mermaid').length === {diagrams}",
                   timeout=timeout, what=f"{diagrams} mermaid diagrams to be drawn")


def mermaid_blocks(built_site: Path, page: str) -> int:
    path = built_site / page
    text = (path / "index.html" if path.is_dir() else path).read_text(encoding="utf-8")
    return len(re.findall(r'<pre class="mermaid">', text))


def problems_seen(tab: Tab, site_url: str) -> list[str]:
    """Console errors, uncaught exceptions, failed or external requests."""
    problems = []
    for event in tab.events("Runtime.exceptionThrown"):
        details = event["exceptionDetails"]
        text = details.get("exception", {}).get("description") or details.get("text")
        problems.append(f"uncaught exception: {text}")
    for event in tab.events("Runtime.consoleAPICalled"):
        if event["type"] in ("error", "assert"):
            text = " ".join(str(arg.get("value", arg.get("description", "")))
                            for arg in event["args"])
            problems.append(f"console.{event['type']}: {text}")
    for event in tab.events("Log.entryAdded"):
        entry = event["entry"]
        if entry["level"] == "error":
            problems.append(f"{entry['source']} error: {entry['text']} {entry.get('url', '')}")
    for event in tab.events("Network.requestWillBeSent"):
        url = event["request"]["url"]
        if not url.startswith((site_url, "data:", "blob:", "about:")):
            problems.append(f"asks for something outside the site: {url}")
    for event in tab.events("Network.responseReceived"):
        response = event["response"]
        if response["status"] >= 400:
            problems.append(f"HTTP {response['status']} for {response['url']}")
    return problems


@pytest.mark.parametrize("page", PAGES)
def test_page_loads_cleanly(tab: Tab, built_site: Path, site_url: str, screenshots: Path,
                            page: str) -> None:
    tab.navigate(site_url + page)
    if not problems_seen(tab, site_url):   # a renderer that failed to load never draws
        wait_until_drawn(tab, mermaid_blocks(built_site, page))
    tab.screenshot(screenshots / screenshot_name(page))

    assert problems_seen(tab, site_url) == []
    # A page that failed to render would still "load": check it has a title
    # and text of its own (not only the theme's frame).
    title = tab.evaluate("document.querySelector('h1')?.textContent ?? ''")
    assert title.strip(), f"{page} has no <h1>"
    if page == "404.html":
        return   # material's 404 page is its title alone
    body = tab.evaluate("document.querySelector('article')?.innerText ?? ''")
    assert len(body.strip()) > len(title.strip()), f"{page} has nothing but its title"


def test_every_built_page_is_checked(built_site: Path) -> None:
    """The page list above comes from docs/; a page mkdocs builds from
    anything else would escape the check, so compare with what was built."""
    built = sorted("" if path.parent == built_site else
                   f"{path.parent.relative_to(built_site).as_posix()}/"
                   for path in built_site.rglob("index.html"))
    assert sorted(page for page in PAGES if page != "404.html") == built


def test_search_finds_ttl(tab: Tab, site_url: str, screenshots: Path) -> None:
    """Type "TTL" into the search box, as a reader would, and read the results."""
    tab.navigate(site_url)
    assert problems_seen(tab, site_url) == []
    tab.evaluate("document.querySelector('[data-md-component=search-query]').focus()")
    for key in "TTL":
        tab.send("Input.dispatchKeyEvent", {"type": "keyDown", "text": key, "key": key})
        tab.send("Input.dispatchKeyEvent", {"type": "keyUp", "key": key})
    tab.wait_until("document.querySelectorAll('.md-search-result__item').length > 0",
                   what="search results for TTL")
    tab.screenshot(screenshots / "search-ttl.png", full_page=False)

    found = tab.evaluate("""[...document.querySelectorAll('.md-search-result__item')]
        .map(item => ({href: item.querySelector('a').getAttribute('href'),
                       marked: [...item.querySelectorAll('mark')].map(m => m.textContent)}))""")
    pages = {urllib.parse.urlsplit(result["href"]).path for result in found}
    assert pages
    assert any("ttl" in text.lower() for result in found for text in result["marked"])
    assert problems_seen(tab, site_url) == []


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
