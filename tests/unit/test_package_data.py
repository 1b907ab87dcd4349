"""Files the services read at run time ship in the installed package (the Docker image runs
from ``pip install .``, not from a checkout): every non-Python file under ``libs/`` and
``services/`` matches a ``[tool.setuptools.package-data]`` pattern."""

from __future__ import annotations

import tomllib
from fnmatch import fnmatch
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOCS = frozenset({".md"})  # read by people, not by the code


def test_runtime_files_are_package_data() -> None:
    patterns = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"][
        "package-data"]["*"]
    runtime = [path for top in ("libs", "services") for path in (ROOT / top).rglob("*")
               if path.is_file() and path.suffix not in {".py", ".pyc", *DOCS}]
    assert any(p.suffix == ".js" for p in runtime)
    missing = [str(p.relative_to(ROOT)) for p in runtime
               if not any(fnmatch(p.name, pattern) for pattern in patterns)]
    assert missing == []
