"""The import rule: data moves one way through the stages of the flow (README "Architecture").

Each folder of the package is one stage; a few top-level modules are stages of their own. A
module imports only modules of its own or an earlier stage; the four sibling stages that use
the reconstruction (queries, quality, tagging, evolve) do not import each other; no module
imports a private name of another; and the imports, function-level ones included, have no
cycle.
"""

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "topicnmf"

#: The stages in the order of the flow; stages of equal rank may not import each other.
RANK = {"base": 0, "io": 1, "text": 2, "factor": 3, "model": 4, "reconstruction": 5,
        "queries": 6, "quality": 6, "tagging": 6, "evolve": 6, "present": 7, "serve": 8,
        "cli": 9}
#: Top-level modules and the stage each is (every other stage is a folder).
TOP_LEVEL = {"__init__": "base", "errors": "base", "validate": "base", "parallel": "base",
             "cluster": "base"}
MAX_LINES = 400


def module_name(path):
    """``queries.recommend`` for topicnmf/queries/recommend.py, ``factor`` for its __init__."""
    parts = list(path.relative_to(PACKAGE).with_suffix("").parts)
    if parts[-1] == "__init__" and len(parts) > 1:
        parts.pop()
    return ".".join(parts)


def stage_of(module):
    first = module.split(".")[0]
    return TOP_LEVEL.get(module) or (first if first in RANK and "." in module else None) \
        or (first if (PACKAGE / first).is_dir() else None)


def modules():
    return {module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def imports_of(module, path, known):
    """``(imported module, names)`` for every relative import in the file (any depth)."""
    package = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
    out = []
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if not (isinstance(node, ast.ImportFrom) and node.level >= 1):
            continue
        base = package[:len(package) - (node.level - 1)]
        if node.module:
            out.append((".".join(base + node.module.split(".")), [a.name for a in node.names]))
            continue
        for alias in node.names:                   # from .. import validate, __version__
            full = ".".join(base + [alias.name])
            out.append((full, []) if full in known else (".".join(base) or "__init__",
                                                          [alias.name]))
    return out


def graph():
    known = modules()
    return {module: imports_of(module, path, known) for module, path in known.items()}


def test_every_module_has_a_stage():
    assert [m for m in modules() if stage_of(m) is None] == []


def test_modules_import_only_their_own_or_earlier_stages():
    wrong = []
    for module, imports in graph().items():
        if module == "__init__":                  # lazy exports of the public surface
            continue
        stage = stage_of(module)
        for target, _ in imports:
            other = stage_of(target)
            if RANK[other] > RANK[stage] or (RANK[other] == RANK[stage] and other != stage):
                wrong.append(f"{module} ({stage}) imports {target} ({other})")
    assert wrong == []


def test_no_private_name_is_imported_from_another_module():
    wrong = [f"{module} imports {name} from {target}"
             for module, imports in graph().items() for target, names in imports
             for name in names if name.startswith("_") and name != "__version__"]
    assert wrong == []


def test_imports_have_no_cycle():
    edges = {module: {target for target, _ in imports if target != "__init__"}
             for module, imports in graph().items() if module != "__init__"}
    cycles = []

    def visit(module, path):
        for target in sorted(edges.get(module, ())):
            if target in path:
                cycles.append(path[path.index(target):] + [target])
            elif target not in done:
                visit(target, path + [target])
        done.add(module)

    done = set()
    for module in sorted(edges):
        if module not in done:
            visit(module, [module])
    assert cycles == []


def test_no_module_is_longer_than_the_limit():
    long = {m: n for m, path in modules().items()
            if (n := len(path.read_text("utf-8").splitlines())) > MAX_LINES}
    assert long == {}


def test_the_rule_catches_an_upward_import(tmp_path):
    """The checker itself: a queries module importing the CLI is reported."""
    path = tmp_path / "probe.py"
    path.write_text("from ..cli import main\nfrom .segment import _private\n")
    imports = imports_of("queries.probe", path, modules())
    assert ("cli", ["main"]) in imports and ("queries.segment", ["_private"]) in imports
    assert RANK[stage_of("cli")] > RANK[stage_of("queries.probe")]
