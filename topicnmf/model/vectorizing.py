"""The first two passes of an out-of-core fit (:mod:`topicnmf.model.outofcore`): the corpus's
vocabulary from the partitions' term counts, then ``V`` in blocks, in a work folder
(:mod:`topicnmf.model.workfolder`).
"""

from __future__ import annotations

import functools
import json
from collections import Counter

import numpy as np

from ..errors import InputError
from ..factor.fileblocks import write_block
from ..io.files import temp_file_for
from ..io.streaming import check_fields_seen, resolve_ids
from ..parallel import run_in_processes
from ..text.clean import AUTO, parse_clean
from ..text.corpus_clean import corpus_steps, learn_template_lines
from ..text.counting import (Frequencies, count_partition, fitted_vectorizer, term_rows,
                             tfidf_columns)
from .workfolder import load_counts, load_vectorizer, save_counts, save_vectorizer


def bar(progress, iterable, total, desc, unit):
    """``iterable`` wrapped by ``progress`` (a progress bar), if given."""
    return progress(iterable, total=total, desc=desc, unit=unit) if progress else iterable


def vectorized(work, plan, template, clean, duplicate_ids, block_size, jobs, progress):
    """Passes 1 and 2 in the work folder ``work``: the fitted vectorizer, with the blocks of V
    and documents.jsonl written (or found from an earlier fit of the same corpus).

    ``clean`` is the model's setting: 'auto' is chosen per partition while counting and the
    partitions counted with other steps than the corpus's are counted again; the template
    lines are learned before counting (:mod:`topicnmf.text.corpus_clean`)."""
    if work.manifest.get("vectorized") and _blocks_present(work):
        return load_vectorizer(work.path)
    work.forget("vectorized")
    prep, auto = template.preprocessor.get_params(), parse_clean(clean) == AUTO
    source = plan.partitions[0].path
    if "template" in prep["clean"]:
        prep["template_lines"] = _template_lines(work, plan, prep, duplicate_ids, jobs,
                                                 progress)
    frequencies, ids, used = _count(work, plan, prep, auto, jobs, progress)
    if auto:
        prep["clean"] = list(corpus_steps(used))
    kept, drops, _ = resolve_ids(ids, source, duplicate_ids)
    for i, part in enumerate(plan.partitions):       # duplicates left out, other steps
        if len(drops[i]) or used[i] != prep["clean"]:
            frequencies.add(*_summary_frequencies(work.counted(part.index)), sign=-1)
            summary = save_counts(work.path, count_partition(part, prep, drops[i]))
            frequencies.add(*_summary_frequencies(summary))
    if frequencies.n_documents == 0:
        raise InputError(f"{source}: no readable documents found")
    vectorizer = fitted_vectorizer(frequencies, preprocessing=prep, min_df=template.min_df,
                                   max_df=template.max_df, max_features=template.max_features,
                                   sublinear_tf=template.sublinear_tf,
                                   use_idf=template.use_idf)
    save_vectorizer(work.path, vectorizer)
    _write_blocks(work, plan, vectorizer, kept, block_size, progress)
    return vectorizer


def _summary_frequencies(summary):
    return (summary["terms"], np.asarray(summary["df"]), np.asarray(summary["tf"]),
            len(summary["ids"]), summary["surface"])


_TASK = {}


def _keep_task(preprocessing, folder, auto):
    _TASK.update(preprocessing=preprocessing, folder=folder, auto=auto)


def _forget_task():
    _TASK.clear()


def _count_task(partition):
    """One partition's counts, saved in the work folder; returns the summary."""
    return save_counts(_TASK["folder"], count_partition(partition, _TASK["preprocessing"],
                                                        auto=_TASK["auto"]))


def _count(work, plan, prep, auto, jobs, progress):
    """Pass 1 over the partitions not counted yet: summed frequencies, and per partition
    its ids and the cleaning steps it was counted with."""
    frequencies, roles, ids, used = Frequencies(), set(), {}, {}
    todo = []
    for part in plan.partitions:
        summary = work.counted(part.index)
        if summary is None:
            todo.append(part)
        else:
            _add_summary(summary, frequencies, roles, ids, used)
    results = run_in_processes(_count_task, todo, jobs=jobs, initializer=_keep_task,
                               initargs=(prep, str(work.path), auto), cleanup=_forget_task)
    for summary in bar(progress, results, len(todo), "counting terms", "partition"):
        work.record_counted(summary["index"])
        _add_summary(summary, frequencies, roles, ids, used)
    check_fields_seen(plan, roles)
    return frequencies, *([d[p.index] for p in plan.partitions] for d in (ids, used))


def _add_summary(summary, frequencies, roles, ids, used):
    frequencies.add(*_summary_frequencies(summary))
    roles.update(*summary["meta"])
    ids[summary["index"]], used[summary["index"]] = summary["ids"], summary["clean"]


def _template_lines(work, plan, prep, duplicate_ids, jobs, progress):
    """The template lines of the corpus, learned once per work folder (kept in its manifest,
    so a resumed fit counts with the same lines)."""
    if "template_lines" not in work.manifest:
        def run(function, items, desc, **same):
            results = run_in_processes(functools.partial(function, **same), items, jobs=jobs)
            return list(bar(progress, results, len(items), desc, "partition"))

        lines = learn_template_lines(plan.partitions, prep["clean"], run,
                                     source=plan.partitions[0].path,
                                     duplicate_ids=duplicate_ids)
        work.manifest["template_lines"] = list(lines)
        work.save()
    return work.manifest["template_lines"]


def _write_blocks(work, plan, vectorizer, ids, block_size, progress):
    """Pass 2: every partition's columns of V as blocks, and documents.jsonl."""
    index = {t: i for i, t in enumerate(vectorizer.vocabulary_)}
    blocks, start, nnz, cleaned = [], 0, 0, Counter()
    target = work.file("documents.jsonl")
    tmp = temp_file_for(target)
    try:
        with open(tmp, "w", encoding="utf-8") as docs:
            for part in bar(progress, plan.partitions, len(plan.partitions), "writing blocks",
                             "partition"):
                summary = work.counted(part.index)
                cleaned.update(summary["cleaned"])
                V = tfidf_columns(load_counts(work.path, summary),
                                  term_rows(index, summary["terms"]), vectorizer)
                for a in range(0, V.shape[1], block_size):
                    name = f"block-{len(blocks):06d}.npz"
                    V_b = V[:, a:a + block_size]
                    write_block(work.file(name), V_b)
                    blocks.append({"file": name, "start": start, "nnz": int(V_b.nnz)})
                    start, nnz = start + V_b.shape[1], nnz + V_b.nnz
                for doc_id, snippet, meta in zip(ids[part.index], summary["snippets"],
                                                 summary["meta"]):
                    docs.write(json.dumps([doc_id, snippet, meta], ensure_ascii=False) + "\n")
        tmp.replace(target)
    finally:
        tmp.unlink(missing_ok=True)
    work.manifest.update(vectorized={"blocks": blocks, "shape": [len(index), start],
                                     "nnz": int(nnz), "cleaned": dict(cleaned)})
    work.save()


def _blocks_present(work):
    names = [b["file"] for b in work.manifest["vectorized"]["blocks"]]
    return all(work.file(n).is_file() for n in names + ["documents.jsonl", "vectorizer.json",
                                                       "vectorizer.npz"])
