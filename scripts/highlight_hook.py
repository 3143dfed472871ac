"""A mkdocs hook: highlight lines of an included snippet by their text, not their number.

    ```python title="part3_forwarder/resolver.py" hl_text="compose(*local|access_controlled("
    --8<-- "part3_forwarder/resolver.py:resolver"
    ```

becomes `hl_lines="39 41"`, counted in the section as it is today, so the
highlight follows the code when lines move. A text that matches no line
stops the build: the page would otherwise highlight the wrong thing.
"""

from __future__ import annotations

import re
from pathlib import Path

from mkdocs.exceptions import PluginError

FENCE = re.compile(
    r'^(?P<fence>```\w+[^\n]*?) hl_text="(?P<texts>[^"]+)"(?P<rest>[^\n]*)\n'
    r'(?P<include>--8<-- "(?P<path>[^":]+):(?P<section>[\w-]+)")',
    re.MULTILINE,
)
MARKER = re.compile(r"--8<-- \[(start|end):[\w-]+\]")


def section_lines(path: Path, section: str) -> list[str]:
    """The lines pymdownx.snippets includes for `path:section` (markers left out)."""
    lines, inside = [], False
    for line in path.read_text().splitlines():
        if f"--8<-- [start:{section}]" in line:
            inside = True
        elif f"--8<-- [end:{section}]" in line:
            return lines
        elif inside and not MARKER.search(line):
            lines.append(line)
    raise PluginError(f"{path}: no section {section!r}")


def on_page_markdown(markdown: str, page, config, files) -> str:
    root = Path(config["config_file_path"]).parent

    def highlight(match: re.Match) -> str:
        lines = section_lines(root / match["path"], match["section"])
        numbers = []
        for text in match["texts"].split("|"):
            found = [n for n, line in enumerate(lines, 1) if text in line]
            if not found:
                raise PluginError(
                    f"{page.file.src_path}: {text!r} is in no line of "
                    f"{match['path']}:{match['section']}"
                )
            numbers += found
        return (f'{match["fence"]} hl_lines="{" ".join(map(str, numbers))}"{match["rest"]}\n'
                f'{match["include"]}')

    return FENCE.sub(highlight, markdown)
