"""The command line starts without the heavy libraries; the package exports lazily."""

import json
import subprocess
import sys

from test_cli import REPO

HEAVY = ("sklearn", "scipy", "matplotlib", "numpy", "dask", "distributed")
SERVER = ("fastapi", "starlette", "uvicorn", "pydantic")


def modules_after(code):
    script = code + "\nimport sys\nprint(' '.join(sys.modules))"
    out = subprocess.run([sys.executable, "-c", script], cwd=REPO, capture_output=True,
                         text=True, check=True).stdout
    return set(out.split())


def help_of(*args):
    return (f"from topicnmf.cli import main\ntry:\n    main({list(args)})\n"
            "except SystemExit:\n    pass")


def test_one_shot_queries_load_neither_scikit_learn_nor_matplotlib(saved_model):
    """A query reads the model and prints: no solver, no plotting library (bench_cli times it)."""
    doc_id = json.loads((saved_model / "model.json").read_text("utf-8"))["documents"]["ids"][0]
    for verb in (["topics", saved_model], ["segments", saved_model],
                 ["recommend", saved_model, doc_id], ["similar", saved_model, doc_id],
                 ["target", saved_model, "--topic", "0"]):
        loaded = modules_after(help_of(*map(str, verb)))
        assert not [m for m in loaded if m.split(".")[0] in ("sklearn", "matplotlib")], verb


def test_the_cli_and_its_help_load_no_heavy_library():
    for code in ("import topicnmf.cli", help_of("--help"), help_of("tag", "--help"),
                 help_of("serve", "--help")):
        loaded = modules_after(code)
        assert not [m for m in loaded if m.split(".")[0] in HEAVY + SERVER], code


def test_every_export_resolves_and_functions_win_over_their_modules():
    import topicnmf
    from topicnmf.quality.choose import choose_k          # the modules of the same names load
    from topicnmf.queries.recommend import similar
    from topicnmf.queries.target import target as target_function

    assert callable(choose_k) and callable(similar)
    assert topicnmf.evaluate.__name__ == "evaluate" and callable(topicnmf.evaluate)
    assert topicnmf.recommend.__name__ == "recommend"
    assert topicnmf.target is target_function
    for name in topicnmf.__all__:
        assert getattr(topicnmf, name) is not None and name in dir(topicnmf)


def test_cli_tag_defaults_and_bounds_are_the_library_ones():
    from topicnmf import cli
    from topicnmf.tagging import tagger as tagging
    from topicnmf.quality.choose import MAX_TOP
    from topicnmf.tagging.batch import BATCH_SIZE

    assert (cli.THRESHOLD, cli.MIN_SHARE, cli.MAX_ERROR, cli.TOP_TERMS) == (
        tagging.THRESHOLD, tagging.MIN_SHARE, tagging.MAX_ERROR, tagging.TOP_TERMS)
    assert cli.MAX_TOP == MAX_TOP and cli.BATCH_SIZE == BATCH_SIZE
    from topicnmf.cli import options
    from topicnmf.factor.blocks import BLOCK_SIZE
    from topicnmf.model.outofcore import OUT_OF_CORE_BYTES

    assert options.BLOCK_SIZE == BLOCK_SIZE
    assert options.OUT_OF_CORE_MIB * 2**20 == OUT_OF_CORE_BYTES
    from topicnmf.cli import evolve
    from topicnmf.evolve.align import THRESHOLD
    from topicnmf.evolve.update import ANCHOR_WEIGHT

    assert cli.ALIGN_THRESHOLD == THRESHOLD and evolve.ANCHOR_WEIGHT == ANCHOR_WEIGHT


def test_cli_serve_defaults_are_the_library_ones():
    from topicnmf.cli import serving
    from topicnmf.serve import app

    assert (serving.MAX_REQUEST_BYTES, serving.TIME_LIMIT) == (app.MAX_REQUEST_BYTES,
                                                               app.TIME_LIMIT)


def test_cli_analysis_defaults_are_the_library_ones():
    from topicnmf import cli
    from topicnmf.evolve.reshape import SWEEPS
    from topicnmf.queries.trends import ALPHA, MIN_DOCUMENTS, PERIODS

    assert (cli.PERIODS, cli.ALPHA, cli.MIN_DOCUMENTS, cli.SWEEPS) == (
        PERIODS, ALPHA, MIN_DOCUMENTS, SWEEPS)
