"""Property-based fuzzing of the CLI contract on generated inputs (see tests/fuzzing.py).

Every property runs ``topicnmf`` in-process on generated files or option values and checks
that it ends in a result or one ``Error:`` line with exit status 2, and that no input file
changed. ``scripts/fuzz.py`` runs the same properties with many more examples.
"""

from __future__ import annotations

import atexit
import copy
import csv
import functools
import gzip
import io
import json
import shutil
import tempfile
from pathlib import Path

import click
import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from topicnmf.cli import main
from fuzzing import (COUNTS, PURCHASES, REPO, TICKETS, check, encoded, file_bytes, gzipped,
                     json_values, number_text, real_texts, report, run_cli, small_number_text)

RATINGS = REPO / "corpora" / "ratings.csv"


# --- once per session: tiny corpora and saved models -------------------------------------

@functools.cache
def workdir() -> Path:
    path = Path(tempfile.mkdtemp(prefix="topicnmf-fuzz-"))
    atexit.register(shutil.rmtree, path, ignore_errors=True)
    return path


def tickets_csv(rows) -> Path:
    path = workdir() / f"tickets-{rows}.csv"
    if not path.exists():
        with gzip.open(TICKETS, "rt", encoding="utf-8", newline="") as f:
            lines = list(csv.reader(f))[:rows + 1]
        with open(path, "w", encoding="utf-8", newline="") as f:
            csv.writer(f).writerows(lines)
    return path


@functools.cache
def base_models() -> dict:
    """name → (model directory, an id, a term): a text model and two matrix models."""
    out = {}
    for name, args in {
        "text": [tickets_csv(200), "--id-column", "id", "-k", "3"],
        "purchases": ["--matrix", PURCHASES, "-k", "2"],
        "ratings": ["--matrix", RATINGS, "-k", "2", "--missing", "blank"],
    }.items():
        path = workdir() / f"model-{name}"
        result = run_cli(["fit", *args, "-o", path])
        assert result.exit_code == 0, result.stderr
        meta = json.loads((path / "model.json").read_text("utf-8"))
        ids = meta["documents"]["ids"]
        terms = (sorted(meta["vectorizer"]["vocabulary"]) if name == "text"
                 else meta["items"])
        out[name] = (path, ids[0], terms[len(terms) // 2])
    return out


def model_copy(tmp: Path, name="text") -> tuple:
    path, doc_id, term = base_models()[name]
    shutil.copytree(path, tmp / "model")
    return tmp / "model", doc_id, term


# --- loaders -------------------------------------------------------------------------------

SUFFIX = {"csv": ".csv", "tsv": ".tsv", "jsonl": ".jsonl", "lines": ".txt"}


@st.composite
def corpus_spec(draw):
    """A corpus as (files: relative path → bytes, the path to pass, extra fit options)."""
    fmt = draw(st.sampled_from(["csv", "csv", "tsv", "jsonl", "lines", "folder"]))
    files = {}
    if fmt == "folder":
        for i in range(draw(st.integers(0, 4))):
            ext = draw(st.sampled_from([".txt", ".md", ".rst", ".html", ".eml", ".txt.gz",
                                        ".bin", ""]))
            sub = draw(st.sampled_from(["", "a/", "a/b/", ".hidden/"]))
            data = draw(file_bytes("lines"))
            files[f"docs/{sub}f{i}{ext}"] = draw(gzipped(data)) if ext.endswith(".gz") else data
        path = "docs"
    else:
        data = draw(file_bytes(fmt))
        path = "corpus" + SUFFIX[fmt]
        if draw(st.integers(0, 3)) == 0:
            data, path = draw(gzipped(data)), path + ".gz"
        files[path] = data
    args = []
    if draw(st.booleans()):
        args += ["--input-format", fmt]
    table = fmt in ("csv", "tsv", "jsonl")
    if table and draw(st.booleans()):
        args += ["--id-column", draw(st.sampled_from(["id", "id", "id", "ID", "x", ""]))]
    if table and draw(st.integers(0, 4)) == 0:
        args += ["--text-column", draw(st.sampled_from(["text", "x", "id", "", "text "]))]
    for option, column in (("--label-column", "label"), ("--date-column", "date")):
        if table and draw(st.integers(0, 5)) == 0:
            args += [option, draw(st.sampled_from([column, "id", "nope"]))]
    if draw(st.integers(0, 2)) == 0:
        args += ["--duplicate-ids", draw(st.sampled_from(["error", "first", "number"]))]
    return files, path, args


def write_files(tmp: Path, files: dict):
    (tmp / "docs").mkdir(exist_ok=True)
    for name, data in files.items():
        (tmp / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp / name).write_bytes(data)


@given(corpus=corpus_spec(), k=st.integers(1, 2), min_df=st.sampled_from(["1", "2"]))
def test_loaders(corpus, k, min_df):
    """fit on generated corpus files and folders (random encodings, damaged gzip, ...)."""
    COUNTS["loaders"] += 1
    files, path, args = corpus
    with tempfile.TemporaryDirectory(dir=workdir()) as tmp:
        tmp = Path(tmp)
        write_files(tmp, files)
        result = check(["fit", tmp / path, "-k", k, "--min-df", min_df, "-o", tmp / "out",
                        *args], inputs=[tmp / path])
        if result.exit_code == 0:
            check(["topics", tmp / "out"], inputs=[tmp / "out"])


@given(st.data())
def test_assign_stdin(data):
    """assign on generated stdin records (JSONL or CSV, any bytes)."""
    COUNTS["assign_stdin"] += 1
    with tempfile.TemporaryDirectory(dir=workdir()) as tmp:
        model, _, _ = model_copy(Path(tmp))
        fmt = data.draw(st.sampled_from(["jsonl", "csv"]), label="format")
        stdin = data.draw(file_bytes(fmt), label="stdin")
        args = ["assign", "--model", model]
        if data.draw(st.booleans()):
            args += ["--input-format", data.draw(st.sampled_from(["jsonl", "csv"]))]
        if data.draw(st.booleans()):
            args += ["--id-column", data.draw(st.sampled_from(["id", "x", ""]))]
        check(args, inputs=[model], input=stdin)


class EquivalenceError(AssertionError):
    """Two spellings of the same corpus gave different results."""


@st.composite
def clean_corpus(draw):
    """A well-formed corpus as (format, text): real ticket texts, ids 0, 1, ..."""
    fmt = draw(st.sampled_from(["csv", "tsv", "jsonl", "lines"]))
    texts = draw(st.lists(real_texts, min_size=3, max_size=8))
    if fmt == "jsonl":
        return fmt, "".join(json.dumps({"id": str(i), "text": t}) + "\n"
                            for i, t in enumerate(texts))
    if fmt == "lines":
        return fmt, "".join(" ".join(t.split()) + "\n" for t in texts)
    out = io.StringIO()
    writer = csv.writer(out, delimiter="," if fmt == "csv" else "\t", lineterminator="\n")
    writer.writerows([["id", "text"], *([str(i), t] for i, t in enumerate(texts))])
    return fmt, out.getvalue()


@given(corpus=clean_corpus(), spelling=st.sampled_from(["bom", "gzip", "bom+gzip", "crlf"]))
def test_spellings(corpus, spelling):
    """A UTF-8 BOM, gzip or CRLF line ends do not change what a corpus gives."""
    COUNTS["spellings"] += 1
    fmt, text = corpus
    with tempfile.TemporaryDirectory(dir=workdir()) as tmp:
        tmp = Path(tmp)
        plain = tmp / ("plain" + SUFFIX[fmt])
        plain.write_bytes(text.encode("utf-8"))
        data = text.replace("\n", "\r\n").encode() if spelling == "crlf" else text.encode()
        if "bom" in spelling:
            data = b"\xef\xbb\xbf" + data
        other = tmp / ("other" + SUFFIX[fmt] + (".gz" if "gzip" in spelling else ""))
        other.write_bytes(gzip.compress(data, mtime=0) if "gzip" in spelling else data)
        id_args = [] if fmt == "lines" else ["--id-column", "id"]
        outputs = []
        for path, out in ((plain, tmp / "m1"), (other, tmp / "m2")):
            result = check(["fit", path, "-k", "2", "--min-df", "1", "-o", out, *id_args],
                           inputs=[path])
            shown = check(["topics", out], inputs=[out]).stdout if result.exit_code == 0 \
                else result.stderr.replace(str(path), "PATH")
            outputs.append((result.exit_code, shown))
        if outputs[0] != outputs[1]:
            report(EquivalenceError(f"{fmt} with {spelling} differs from plain UTF-8: "
                                    f"{outputs[1][1][-200:]!r} vs {outputs[0][1][-200:]!r}"),
                   f"{fmt}+{spelling}")


# --- model.json and arrays.npz mutations ----------------------------------------------------

WEIRD_JSON = [None, True, False, 0, -1, 1, 3, 2**63, 10**30, -10**30, 1e308, -1e308,
              float("nan"), float("inf"), -0.0, 0.5, "", "x", "0", "text", "\x00", [], {},
              [None], [[1, 2]], {"a": 1}, [0, 1], ["a", "b"], "a" * 5000]


def _children(node):
    return list(node) if isinstance(node, dict) else list(range(len(node)))


@st.composite
def meta_edits(draw, meta):
    """1-3 edits of ``meta``: (path, 'delete') / (path, 'set', value) / (path, 'resize', n)."""
    edits = []
    for _ in range(draw(st.integers(1, 3))):
        node, path = meta, ()
        while keys := _children(node):
            key = draw(st.sampled_from(keys))
            child, path = node[key], (*path, key)
            if isinstance(child, (dict, list)) and child and draw(st.booleans()):
                node = child
                continue
            op = draw(st.sampled_from(["delete", "set", "set", "resize"]))
            if op == "delete":
                edits.append((path, "delete"))
            elif op == "resize" and isinstance(child, list) and child:
                edits.append((path, "resize", draw(st.integers(0, len(child) + 2))))
            elif op == "resize" and isinstance(child, (int, float)) and child is not True \
                    and child is not False:
                edits.append((path, "set", draw(st.sampled_from(
                    [child + 1, child - 1, -child, child * 1e300, str(child)]))))
            else:
                edits.append((path, "set", draw(st.sampled_from(WEIRD_JSON) | json_values)))
            break
    return edits


def apply_meta_edits(meta, edits):
    meta = copy.deepcopy(meta)
    for path, op, *value in edits:
        node = meta
        try:
            for key in path[:-1]:
                node = node[key]
            if op == "delete":
                del node[path[-1]]
            elif op == "set":
                node[path[-1]] = value[0]
            else:
                node[path[-1]] = (node[path[-1]] * 2)[:value[0]]
        except (KeyError, IndexError, TypeError):      # an earlier edit removed the path
            pass
    return meta


JSON_DAMAGE = ["truncate", "empty", "bom", "latin1", "null", "list", "number", "nested",
               "nan"]


def damaged_json(meta, how, at):
    """model.json bytes damaged ``how`` (truncated at ``at`` % length, ...)."""
    text = json.dumps(meta)
    return {"truncate": lambda: text[:at % len(text)].encode(), "empty": lambda: b"",
            "bom": lambda: b"\xef\xbb\xbf" + text.encode(),
            "latin1": lambda: text.encode() + b"\xff", "null": lambda: b"null",
            "list": lambda: b"[]", "number": lambda: b"1",
            "nested": lambda: json.dumps([meta]).encode(),
            "nan": lambda: text.replace("3", "NaN", 1).encode()}[how]()


ARRAY_EDITS = {
    "drop": [None],
    "dtype": ["int8", "int64", "uint8", "bool", "float16", "float32", "complex128", "U3", "S2",
              "datetime64[s]"],
    "shape": ["T", "ravel", "drop-last", "drop-last-column", "scalar", "empty", "empty-2d",
              "add-axis", "double"],
    "value": [np.nan, np.inf, -1.0, 1e308, -0.0, 2.0**62, -2.0**62, 1e-320],
    "object": [None],
    "copy-to": ["mask", "idf", "extra"],
}


@st.composite
def array_edit(draw, names):
    """(array name, how, parameter) for :func:`apply_array_edit`."""
    how = draw(st.sampled_from(sorted(ARRAY_EDITS)))
    return draw(st.sampled_from(sorted(names))), how, draw(st.sampled_from(ARRAY_EDITS[how]))


def apply_array_edit(arrays, edit):
    arrays = dict(arrays)
    name, how, param = edit
    a = arrays[name]
    if how == "drop":
        del arrays[name]
    elif how == "dtype":
        try:
            arrays[name] = a.astype(param)
        except (TypeError, ValueError):                 # e.g. the text save_id
            arrays[name] = np.zeros(a.shape, dtype=param)
    elif how == "shape":
        last = a[..., :-1] if a.ndim else a
        arrays[name] = {"T": a.T, "ravel": a.ravel(), "drop-last": a[:-1] if a.ndim else a,
                        "drop-last-column": last, "scalar": np.array(5.0),
                        "empty": np.empty((0,)), "empty-2d": np.empty((0, 0)),
                        "add-axis": a.reshape(1, *a.shape),
                        "double": np.concatenate([a, a]) if a.ndim else a}[param]
    elif how == "value":
        b = a.astype(np.float64) if a.dtype.kind in "biuf" else np.zeros(a.shape)
        if b.size:
            b.flat[b.size // 2] = param
        arrays[name] = b
    elif how == "object":
        arrays[name] = np.array([1, "a", None], dtype=object)
    else:
        arrays[param] = a
    return arrays


def model_commands(model, doc_id, term):
    return st.sampled_from([
        ["topics", model], ["topics", model, "--term", term], ["segments", model],
        ["segments", model, "--by", "topic"], ["recommend", model, doc_id],
        ["similar", model, doc_id], ["similar", model, "--text", "printer paper jam"],
        ["target", model, "--topic", "0"], ["target", model, "--term", term],
        ["label", model, "0", "x"], ["evaluate", model, "--runs", "0"],
        ["assign", "--model", model],
    ])


@given(st.data())
def test_model_files(data):
    """Queries on a saved model whose model.json and/or arrays.npz were damaged."""
    COUNTS["model_files"] += 1
    with tempfile.TemporaryDirectory(dir=workdir()) as tmp:
        kind = data.draw(st.sampled_from(["text", "text", "purchases", "ratings"]), label="kind")
        model, doc_id, term = model_copy(Path(tmp), kind)
        meta = json.loads((model / "model.json").read_text("utf-8"))
        what = data.draw(st.sampled_from(["json", "json", "json", "damaged-json", "npz",
                                          "npz-bytes", "both"]), label="damage")
        if what in ("json", "both"):
            edits = data.draw(meta_edits(meta), label="model.json edits")
            (model / "model.json").write_text(json.dumps(apply_meta_edits(meta, edits)),
                                              "utf-8")
        elif what == "damaged-json":
            how = data.draw(st.sampled_from(JSON_DAMAGE), label="model.json damage")
            at = data.draw(st.integers(0, 10**6), label="at")
            (model / "model.json").write_bytes(damaged_json(meta, how, at))
        if what in ("npz", "both"):
            with np.load(model / "arrays.npz") as npz:
                arrays = {n: npz[n] for n in npz.files}
            edit = data.draw(array_edit(arrays), label="arrays.npz edit")
            np.savez(model / "arrays.npz", **apply_array_edit(arrays, edit))
        elif what == "npz-bytes":
            raw = (model / "arrays.npz").read_bytes()
            i = data.draw(st.integers(0, len(raw) - 1), label="at byte")
            raw = (raw[:i] if data.draw(st.booleans(), label="truncate")
                   else raw[:i] + bytes([raw[i] ^ 0x5A]) + raw[i + 1:])
            (model / "arrays.npz").write_bytes(raw)
        args = data.draw(model_commands(model, doc_id, term), label="command")
        stdin = '{"id": "n1", "text": "printer paper jam"}\n' if args[0] == "assign" else None
        check(args, inputs=[] if args[0] == "label" else [model], input=stdin)


# --- matrix cells --------------------------------------------------------------------------

CELLS = ["0", "1", "2", "2.5", "1e308", "-1e308", "1.7976931348623157e308", "1e309", "-0",
         "nan", "NaN", "inf", "-inf", "1e-320", "5e-324", "", " ", "abc", '"1"', "-1",
         "0x1", "1_0", "\u0663", "9" * 400, "1,5", "1e-300", "\x00"]
cells = st.one_of(st.sampled_from(CELLS), st.sampled_from(CELLS), st.sampled_from(CELLS),
                  st.floats().map(repr), st.integers(-10, 10**20).map(str), st.text(max_size=4))
names = st.one_of(st.sampled_from(["Ann", "Ben", "Ann", "", " ", '"q"', "é", "a,b", "\x00"]),
                  st.text(min_size=1, max_size=4))


@st.composite
def matrix_csv(draw):
    n_people, n_items = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    people = [draw(names) if draw(st.integers(0, 4)) == 0 else f"p{j}"
              for j in range(n_people)]
    rows = [["item", *people]]
    for i in range(n_items):
        n = n_people + draw(st.sampled_from([0] * 10 + [-1, 1]))
        item = draw(names) if draw(st.integers(0, 4)) == 0 else f"i{i}"
        rows.append([item, *[draw(st.integers(0, 9).map(str)) for _ in range(max(n, 0))]])
    for _ in range(draw(st.integers(0, 3))):                # a few odd cells
        row = rows[draw(st.integers(1, n_items))]
        if len(row) > 1:
            row[draw(st.integers(1, len(row) - 1))] = draw(cells)
    out = io.StringIO()
    if draw(st.booleans()):
        csv.writer(out, lineterminator="\n").writerows(rows)
    else:
        out.write("\n".join(",".join(r) for r in rows))
    return out.getvalue()


@given(st.data())
def test_matrix_cells(data):
    """fit --matrix on generated items × people tables, then query the fitted model."""
    COUNTS["matrix_cells"] += 1
    with tempfile.TemporaryDirectory(dir=workdir()) as tmp:
        tmp = Path(tmp)
        raw = data.draw(matrix_csv(), label="table").encode("utf-8", "surrogatepass")
        if data.draw(st.integers(0, 3)) == 0:
            raw = data.draw(encoded(raw.decode("utf-8", "replace")), label="encoded")
        path = tmp / "m.csv"
        if data.draw(st.integers(0, 4)) == 0:
            raw, path = data.draw(gzipped(raw), label="gzip"), tmp / "m.csv.gz"
        path.write_bytes(raw)
        args = ["fit", "--matrix", path, "-k", data.draw(st.integers(1, 3), label="k"),
                "-o", tmp / "out"]
        args += data.draw(st.sampled_from([[], ["--missing", "blank"], ["--solver", "mu"],
                                           ["--missing", "blank", "--solver", "mu"]]))
        if check(args, inputs=[path]).exit_code != 0:
            return
        meta = json.loads((tmp / "out" / "model.json").read_text("utf-8"))
        person = meta["documents"]["ids"][0]
        for query in (["segments", tmp / "out"], ["recommend", tmp / "out", person],
                      ["target", tmp / "out", "--term", meta["items"][0]]):
            check(query, inputs=[tmp / "out"])


# --- option values -------------------------------------------------------------------------

#: Valid arguments of each command run (M: a text model, C: a tiny corpus, OUT: a new path).
COMMANDS = {
    "fit": ["fit", "C", "--id-column", "id", "-o", "OUT", "-k", "2", "--min-df", "1"],
    "fit --matrix": ["fit", "--matrix", PURCHASES, "-o", "OUT", "-k", "2"],
    "topics": ["topics", "M"],
    "segments": ["segments", "M"],
    "recommend": ["recommend", "M", "ID"],
    "similar": ["similar", "M", "ID"],
    "target": ["target", "M", "--topic", "0"],
    "label": ["label", "M"],
    "choose-k": ["choose-k", "C", "--id-column", "id", "--k", "2", "--runs", "1", "--min-df",
                 "1"],
    "evaluate": ["evaluate", "M", "--runs", "0"],
    "tag": ["tag", "C", "--model", "M", "-o", "OUT"],
    "assign": ["assign", "--model", "M"],
    "plot": ["plot", "M", "-o", "OUT.svg"],
    "update": ["update", "M", "C", "--id-column", "id", "-o", "OUT", "--drop-documents"],
    "diff": ["diff", "M", "M"],
}
#: Parameters whose large valid values only make a run slow: they get small values.
SMALL = {"runs", "k_range", "plot top", "plot max_map_documents"}
#: Text options that hold numbers.
NUMERIC_TEXT = {"ngram_range", "k_range"}


def numeric_params(command):
    """The numeric options (and int arguments) of a CLI command, read from click (not --jobs)."""
    params = []
    for param in main.commands[command].params:
        numeric = isinstance(param.type, (click.types.IntParamType, click.types.FloatParamType))
        if param.name != "jobs" and (numeric or param.name in NUMERIC_TEXT):
            params.append(param)
    return params


#: Every (command, numeric parameter) pair: the first option of an example is drawn from these.
OPTIONS = [(name, param) for name in sorted(COMMANDS)
           for param in numeric_params(COMMANDS[name][0])]
special_ints = st.sampled_from([-1, 0, 1, 2, 3, 2**31, 2**32, 2**63, -2**63, 10**30])
ints = st.one_of(special_ints, special_ints, st.integers()).map(str)
special_floats = st.sampled_from(["nan", "inf", "-inf", "1e309", "-0", "1e-320", "1e308", "-1",
                                  "0", "1", "2", "0.5"])
floats = st.one_of(special_floats, special_floats, special_floats, special_floats,
                   st.floats().map(repr), st.floats(0, 1).map(repr))
small_ints = st.integers(-2, 3).map(str)


def param_values(command, param):
    """Values typed for ``param``: 3/4 of its type (extremes included), 1/4 any text."""
    if param.name in SMALL or f"{command} {param.name}" in SMALL:
        return st.one_of(small_ints, small_ints, small_number_text)
    if isinstance(param.type, click.types.IntParamType):
        typed = ints
    elif isinstance(param.type, click.types.FloatParamType):
        typed = floats
    else:
        typed = st.one_of(small_ints, st.tuples(small_ints, small_ints).map("-".join),
                          st.tuples(small_ints, small_ints, small_ints).map(":".join))
    return st.one_of(typed, typed, typed, number_text)


@given(st.data())
def test_option_values(data):
    """Every numeric option of every command, with values typed as text."""
    COUNTS["option_values"] += 1
    with tempfile.TemporaryDirectory(dir=workdir()) as tmp:
        tmp = Path(tmp)
        name, first = data.draw(st.sampled_from(OPTIONS), label="command, option")
        base = COMMANDS[name]
        command = base[0]
        model, doc_id, _ = model_copy(tmp) if "M" in base else (None, None, None)
        corpus = tickets_csv(40)
        subs = {"M": model, "C": corpus, "OUT": tmp / "out", "OUT.svg": tmp / "out.svg",
                "ID": doc_id}
        args = [subs.get(a, a) if isinstance(a, str) else a for a in base]
        params = [first] + data.draw(st.lists(st.sampled_from(numeric_params(command)),
                                              max_size=1), label="more options")
        params = list(dict.fromkeys(params))
        positional = []
        for param in params:
            value = data.draw(param_values(command, param), label=param.name)
            if isinstance(param, click.Argument):
                positional.append(value)
            else:
                args.append(f"{max(param.opts, key=len)}={value}")
        if command == "label":
            args += ["--", *(positional or ["0"]), "x"]
        stdin = '{"id": "n1", "text": "printer paper jam"}\n' if command == "assign" else None
        check(args, inputs=[corpus] + ([model] if model and command != "label" else []),
              input=stdin)


# --- output paths --------------------------------------------------------------------------

OUTPUTS = ["new", "nested", "file", "under-file", "empty-dir", "full-dir", "model", "slash",
           "long", "symlink", "dot", "dangling"]


def make_output(tmp: Path, kind: str, content: bytes):
    """A path under ``tmp`` to write to: new, an existing file/folder/model, under a file..."""
    target = tmp / "target"
    if kind == "nested":
        return tmp / "a" / "b" / "target"
    if kind in ("file", "under-file", "symlink"):
        target.write_bytes(content)
        if kind == "under-file":
            return target / "out"
        if kind == "symlink":
            (tmp / "link").symlink_to(target)
            return tmp / "link"
    elif kind in ("empty-dir", "full-dir"):
        target.mkdir()
        if kind == "full-dir":
            (target / "keep.txt").write_text("keep")
    elif kind == "model":
        shutil.copytree(base_models()["text"][0], target)
    elif kind == "slash":
        return str(target) + "/"
    elif kind == "long":
        return tmp / ("x" * 300)
    elif kind == "dot":
        (tmp / "sub").mkdir()
        return str(tmp / "sub") + "/."
    elif kind == "dangling":
        (tmp / "link").symlink_to(tmp / "missing" / "x")
        return tmp / "link"
    return target


@given(st.data())
def test_output_paths(data):
    """Commands that write (fit -o, plot -o, tag -o, choose-k --journal/--plot) on odd paths."""
    COUNTS["output_paths"] += 1
    with tempfile.TemporaryDirectory(dir=workdir()) as tmp:
        tmp = Path(tmp)
        model, _, _ = model_copy(tmp)
        corpus = tickets_csv(40)
        kind = data.draw(st.sampled_from(OUTPUTS), label="output")
        content = data.draw(st.binary(max_size=50), label="existing file content") \
            if kind in ("file", "under-file", "symlink") else b""
        out = make_output(tmp, kind, content)
        command = data.draw(st.sampled_from(["fit", "fit-matrix", "plot", "tag", "journal",
                                             "choose-k-plot"]), label="command")
        args = {
            "fit": ["fit", corpus, "--id-column", "id", "-k", "2", "--min-df", "1", "-o", out],
            "fit-matrix": ["fit", "--matrix", PURCHASES, "-k", "2", "-o", out],
            "plot": ["plot", model, "-o", out, "--format", "svg"],
            "tag": ["tag", corpus, "--model", model, "-o", out],
            "journal": ["choose-k", corpus, "--id-column", "id", "--k", "2", "--runs", "1",
                        "--min-df", "1", "--journal", out],
            "choose-k-plot": ["choose-k", corpus, "--id-column", "id", "--k", "2", "--runs",
                              "1", "--min-df", "1", "--plot", out],
        }[command]
        check(args, inputs=[corpus, model])
