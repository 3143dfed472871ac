"""Load a file of exercises/ by its path, as a module (the files there are
scripts in folders, not packages)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

EXERCISES = Path(__file__).resolve().parents[2] / "exercises"
_loaded: dict[Path, ModuleType] = {}


def load_file(path: Path) -> ModuleType:
    """The module in `path` (a file under exercises/), loaded once."""
    if path in _loaded:
        return _loaded[path]
    relative = path.relative_to(EXERCISES).with_suffix("")
    module_name = "graded_" + "_".join(relative.parts)
    spec = importlib.util.spec_from_file_location(module_name, path)
    assert spec is not None and spec.loader is not None, path
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module   # dataclasses and pickling look modules up here
    spec.loader.exec_module(module)
    _loaded[path] = module
    return module
