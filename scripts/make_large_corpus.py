#!/usr/bin/env python3
"""Build a corpus of N documents of real text from the 64k Debian package descriptions.

    python scripts/make_large_corpus.py 1000000 /tmp/debian-1m.jsonl.gz

Each new document is made from one description drawn at random (so the archive sections keep
their shares and near-duplicate families their weight): its first line (the package summary)
is kept, and each later sentence is kept or, with probability ``--mix`` (default 0.5),
replaced by a sentence drawn from another description of the same section. Every sentence is
real text written for Debian, and sentences only move within a section, so the topics of the
source (games, fonts, databases, ...) stay what they are while the documents are new
combinations of them (a topic model cannot recover them by memorizing 64k texts). Ids are
``SOURCE~N`` (unique); records are ``{"id", "section", "text"}`` as in the source.

Deterministic: the same N, ``--seed`` and source give the same file byte for byte (a seeded
``random.Random``, the source read in its order, gzip with mtime 0). The output is JSONL,
gzip-compressed when its name ends in ``.gz``. Standard library only; about 40 s per million
documents.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import random
import re
import sys
from pathlib import Path

SOURCE = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / \
    "debian-descriptions.jsonl.gz"
SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9(\"'])")


def sentences(text):
    """The summary line and the sentences of the long description."""
    summary, _, body = text.partition("\n")
    return summary, [s for s in SENTENCE_END.split(" ".join(body.split())) if s]


def read_source(path):
    """Descriptions (section, id, summary, sentences) and each section's pool of sentences."""
    docs, pools = [], {}
    with gzip.open(path, "rt", encoding="utf-8") as f:
        for line in f:
            record = json.loads(line)
            section = record.get("section") or "unknown"
            summary, parts = sentences(record["text"])
            docs.append((section, record["id"], summary, parts))
            pools.setdefault(section, []).extend(parts)
    return docs, pools


def documents(n, docs, pools, seed, mix):
    """Yield the ``n`` new records."""
    rng = random.Random(seed)
    for i in range(n):
        section, source_id, summary, parts = docs[rng.randrange(len(docs))]
        pool = pools[section]
        body = [s if rng.random() >= mix or not pool else pool[rng.randrange(len(pool))]
                for s in parts]
        text = summary + ("\n" + " ".join(body) if body else "")
        yield {"id": f"{source_id}~{i}", "section": section, "text": text}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("n", type=int, help="number of documents")
    parser.add_argument("out", type=Path, help="output .jsonl or .jsonl.gz")
    parser.add_argument("--source", type=Path, default=SOURCE)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--mix", type=float, default=0.5,
                        help="probability that a sentence is replaced (default 0.5)")
    args = parser.parse_args(argv)
    if args.n < 1 or not 0 <= args.mix <= 1:
        parser.error("n must be at least 1 and --mix in [0, 1]")
    docs, pools = read_source(args.source)
    tmp = args.out.with_name(f".{args.out.name}.{os.getpid()}.tmp")
    with open(tmp, "wb") as raw:
        out = (gzip.GzipFile(filename="", fileobj=raw, mode="wb", mtime=0,
                             compresslevel=6)
               if args.out.name.endswith(".gz") else raw)
        with out:
            for record in documents(args.n, docs, pools, args.seed, args.mix):
                out.write((json.dumps(record, ensure_ascii=False) + "\n").encode("utf-8"))
    os.replace(tmp, args.out)
    print(f"{args.n} documents → {args.out} ({args.out.stat().st_size / 2**20:.1f} MiB)",
          file=sys.stderr)


if __name__ == "__main__":
    main()
