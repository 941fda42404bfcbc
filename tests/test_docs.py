"""The docstring examples are tests (``--doctest-modules``): none may be switched off."""

import re
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "topicnmf"


def test_no_skipped_doctests():
    directive = re.compile(r"doctest:.*\+SKIP")
    found = [f"{path.relative_to(PACKAGE.parent)}:{n}"
             for path in sorted(PACKAGE.rglob("*.py"))
             for n, line in enumerate(path.read_text("utf-8").splitlines(), 1)
             if directive.search(line)]
    assert not found, ("doctest +SKIP in " + ", ".join(found)
                       + ": make the example run with the names of the root conftest.py")
