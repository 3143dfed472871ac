"""The docs' highlight hook: lines found by their text, and a build stopped when one is gone."""

import importlib.util
from pathlib import Path
from types import SimpleNamespace

import pytest
from mkdocs.exceptions import PluginError

REPO = Path(__file__).resolve().parents[1]
spec = importlib.util.spec_from_file_location("highlight_hook",
                                              REPO / "scripts" / "highlight_hook.py")
hook = importlib.util.module_from_spec(spec)
spec.loader.exec_module(hook)

CONFIG = {"config_file_path": str(REPO / "mkdocs.yml")}
PAGE = SimpleNamespace(file=SimpleNamespace(src_path="test.md"))


def page_with(texts: str) -> str:
    return (f'```python title="x" hl_text="{texts}"\n'
            '--8<-- "part2_server/processor.py:processor"\n```\n')


def test_texts_become_line_numbers_of_the_section():
    lines = hook.section_lines(REPO / "part2_server/processor.py", "processor")
    expected = [n for n, line in enumerate(lines, 1) if "async def __call__" in line]
    out = hook.on_page_markdown(page_with("async def __call__"), PAGE, CONFIG, None)
    assert f'hl_lines="{expected[0]}"' in out
    assert "hl_text" not in out


def test_a_text_in_no_line_stops_the_build():
    with pytest.raises(PluginError, match="is in no line"):
        hook.on_page_markdown(page_with("this text is nowhere"), PAGE, CONFIG, None)
