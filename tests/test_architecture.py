"""The import rule: data moves one way through the stages of the flow (DESIGN.md).

A module imports only modules of its own or an earlier stage; the three sibling stages that use
the reconstruction (queries, quality, tagging) do not import each other; no module imports a
private name of another; and the imports, function-level ones included, have no cycle.
"""

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "topicnmf"

#: Stage of every module, in the order of the flow. (The folders of DESIGN.md's layout will
#: replace this table; until then it is the rule the flat modules follow.)
STAGES = {
    "base": ["__init__", "errors", "validate"],
    "io": ["corpus", "files", "journal", "export", "matrix"],
    "text": ["preprocess", "vectorize"],
    "factor": ["factorize", "masked", "seeding"],
    "model": ["modelcheck", "persist", "model"],
    "reconstruction": ["reconstruction"],
    "queries": ["segment", "recommend", "target"],
    "quality": ["quality", "evaluate"],
    "tagging": ["tagging", "tagstate", "batchtag"],
    "present": ["plots", "report"],
    "cli": ["cli"],
}
RANK = {"base": 0, "io": 1, "text": 2, "factor": 3, "model": 4, "reconstruction": 5,
        "queries": 6, "quality": 6, "tagging": 6, "present": 7, "cli": 8}
STAGE_OF = {module: stage for stage, modules in STAGES.items() for module in modules}


def imports_of(path):
    """``(module, names)`` for every ``from .module import names`` in the file (any depth)."""
    out = []
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.level == 1:
            if node.module is None:                       # from . import a, __version__
                out.extend((alias.name, []) if (PACKAGE / f"{alias.name}.py").exists()
                           else ("__init__", [alias.name]) for alias in node.names)
            else:
                out.append((node.module, [alias.name for alias in node.names]))
    return out


def graph():
    return {path.stem: imports_of(path) for path in sorted(PACKAGE.glob("*.py"))}


def test_every_module_has_a_stage():
    assert sorted(graph()) == sorted(STAGE_OF)


def test_modules_import_only_their_own_or_earlier_stages():
    wrong = []
    for module, imports in graph().items():
        if module == "__init__":                  # lazy exports of the public surface
            continue
        stage = STAGE_OF[module]
        for target, _ in imports:
            other = STAGE_OF[target]
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
