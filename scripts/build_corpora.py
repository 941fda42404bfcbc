#!/usr/bin/env python3
"""Rebuild the small real corpora shipped in ``corpora/`` (standard library only).

Three corpora are built, each byte-for-byte the same on every run from the same inputs:

``tickets.csv.gz``
    A seeded, section-stratified sample of Debian 12 package descriptions (short texts, like
    a ticket queue), read from ``debian-descriptions.jsonl.gz`` (see ``--data``). Near-
    duplicates (a library and its -dev/-doc/-data siblings, packages of one source sharing a
    description) are kept only once. Gzip CSV ``id,section,text``, gzip mtime 0.

``changelogs.jsonl.gz``
    A seeded, year-stratified sample of dated Debian changelog entries (2014 onwards), read
    from ``debian-changelogs.jsonl.gz`` (see ``--changelogs``): short dated texts for models
    that live on (update, diff, align, trends). Gzip JSON lines, one entry per line in date
    order, gzip mtime 0.

``python-docs/``
    Longer documents: the reStructuredText sources of the Python 3.11 documentation
    (library reference, HOWTOs and tutorial pages of 3-20 KiB) shipped in the Debian 12
    package ``python3.11-doc`` (``usr/share/doc/python3.11/html/_sources/**/*.rst.txt``),
    fetched with ``apt-get download`` and read with ``dpkg-deb --fsys-tarfile``. Written
    unchanged except for the ``.rst.txt`` -> ``.rst`` rename, plus the documentation's own
    licence page as ``python-docs/LICENSE`` (no extension: corpus loaders skip it).

Usage (from the repository root)::

    python3 scripts/build_corpora.py                       # both corpora into corpora/
    python3 scripts/build_corpora.py --only tickets        # no apt needed
    python3 scripts/build_corpora.py --only changelogs     # no apt needed
    python3 scripts/build_corpora.py --deb python3.11-doc_3.11.2-6+deb12u9_all.deb
"""

import argparse
import csv
import gzip
import hashlib
import io
import json
import random
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
from collections import Counter, defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

# -- tickets -------------------------------------------------------------------------------

TICKETS_SIZE = 2500
TICKETS_SEED = 0
# The larger Debian sections whose descriptions read like varied, self-contained topics.
# Left out on purpose: libdevel/doc/introspection (mere siblings of other packages), and the
# language-ecosystem sections whose descriptions are mostly one boilerplate paragraph
# (haskell, rust, golang, javascript, java, ruby, gnu-r, php, ocaml, lisp, cli-mono).
TICKETS_SECTIONS = (
    "admin", "database", "devel", "editors", "fonts", "games", "graphics", "libs", "mail",
    "math", "net", "perl", "python", "science", "sound", "text", "utils", "video", "web",
    "x11",
)
MIN_WORDS, MAX_WORDS = 15, 400  # a few descriptions are long lists (irssi-scripts: 3,445)
NEAR_DUPLICATE_JACCARD = 0.3  # templated series score 0.6-0.9, unrelated pairs < 0.1
PREFIX_CAP = 10  # at most this many packages whose names start alike (octave-*, vdr-*)
_GENERIC_PREFIXES = {"fonts", "xfonts", "ttf", "otf", "texlive", "golang", "node", "r",
                     "php", "ruby", "gir1.2", "qml", "qt5", "qt6", "kde", "gnome", "xserver"}
_JUNK_SUMMARY = re.compile(r"transitional|dummy package|metapackage|meta-package|"
                           r"debug(ging)? symbols", re.I)
# packages that only hold a piece of another package (its main package is a candidate too)
_SIBLING_PACKAGE = re.compile(r"-(dev|doc|docs|dbg|dbgsym|data|common|examples)$")
# package-name parts that only say which piece of a family a package is
_SIBLING_SUFFIX = re.compile(
    r"-(dev|devel|doc|docs|dbg|dbgsym|data|common|bin|utils|tools|examples|demos?|tests?|"
    r"runtime|plugins?|modules?|lib|libs|perl|java|jni|headers|static|shared|gtk\d*|qt\d*|"
    r"cli|server|client|core|extra|full|nox|l10n|i18n|locales?|\d[\w.+~]*)$")
_SIBLING_PREFIX = re.compile(r"^(lib|python3?-|ruby-|golang-|node-|r-cran-|gir1\.2-)")
_TRAILING_PAREN = re.compile(r"\s*(\([^()]*\)|\[[^\]]*\])\s*$")
_TRAILING_PART = re.compile(r"\s+[-\u2013\u2014:]\s+[^-\u2013\u2014:]*$")


def _norm(text):
    return " ".join(re.sub(r"[^\w]+", " ", text.lower()).split())


def family_keys(pkg, text):
    """Keys under which two packages count as one family (one of them is enough)."""
    summary, _, body = text.partition("\n")
    keys = set()
    stem = pkg.lower()
    while True:
        new = _SIBLING_SUFFIX.sub("", stem)
        new = re.sub(r"[\d.+~-]+$", "", new) or new
        if new == stem:
            break
        stem = new
    stem = _SIBLING_PREFIX.sub("", stem)
    if len(stem) >= 3:
        keys.add("stem:" + stem)
    short = summary
    for pattern in (_TRAILING_PAREN, _TRAILING_PART, _TRAILING_PAREN):
        short = pattern.sub("", short)
    if len(_norm(short)) >= 12:
        keys.add("summary:" + _norm(short))
    first_paragraph = re.split(r"\n\s*\n", body.strip(), maxsplit=1)[0]
    if len(_norm(first_paragraph)) >= 40:
        keys.add("para:" + _norm(first_paragraph))
    return keys


def one_line(text):
    return " ".join(text.split())


def name_prefix(pkg):
    """The first part of a package name, e.g. ``octave`` for ``octave-signal``."""
    parts = _SIBLING_PREFIX.sub("", pkg.lower()).split("-")
    return "-".join(parts[:2]) if parts[0] in _GENERIC_PREFIXES else parts[0]


def bigrams(text):
    words = re.sub(r"\d+", "0", _norm(text)).split()
    return set(zip(words, words[1:]))


class NearDuplicates:
    """Word-bigram Jaccard similarity against the texts accepted so far."""

    def __init__(self, threshold=NEAR_DUPLICATE_JACCARD):
        self.threshold = threshold
        self.index = defaultdict(list)
        self.sizes = []

    def is_near_duplicate(self, grams):
        overlap = Counter()
        for gram in grams:
            overlap.update(self.index.get(gram, ()))
        return any(n / (len(grams) + self.sizes[i] - n) >= self.threshold
                   for i, n in overlap.items())

    def add(self, grams):
        for gram in grams:
            self.index[gram].append(len(self.sizes))
        self.sizes.append(len(grams))


def sample_tickets(rows, size=TICKETS_SIZE, sections=TICKETS_SECTIONS, seed=TICKETS_SEED):
    """Pick ``size`` descriptions, about equally many per section, at most one per family.

    Sections are visited round-robin (sorted) and each takes its next candidate in seeded
    random order that shares no family key with an accepted one, is no near-duplicate of one
    (word-bigram Jaccard), and whose name prefix is not used up (``PREFIX_CAP``): so no
    library family or templated package series (dictionaries, OCR languages, plugins) can
    dominate.
    """
    rng = random.Random(seed)
    by_section = defaultdict(list)
    for row in sorted(rows, key=lambda r: r["id"]):
        summary = row["text"].partition("\n")[0]
        if row["section"] not in sections or _JUNK_SUMMARY.search(summary):
            continue
        if _SIBLING_PACKAGE.search(row["id"]):
            continue
        if not MIN_WORDS <= len(row["text"].split()) <= MAX_WORDS:
            continue
        by_section[row["section"]].append(row)
    queues = {}
    for section in sorted(by_section):
        candidates = by_section[section]
        rng.shuffle(candidates)
        queues[section] = iter(candidates)
    used, prefixes, near, chosen = set(), Counter(), NearDuplicates(), []
    while len(chosen) < size and queues:
        for section in sorted(queues):
            if len(chosen) >= size:
                break
            for row in queues[section]:
                keys = family_keys(row["id"], row["text"])
                prefix = name_prefix(row["id"])
                if keys & used or prefixes[prefix] >= PREFIX_CAP:
                    continue
                grams = bigrams(row["text"])
                if near.is_near_duplicate(grams):
                    continue
                used |= keys
                prefixes[prefix] += 1
                near.add(grams)
                chosen.append(row)
                break
            else:
                del queues[section]
    chosen.sort(key=lambda r: r["id"])
    return chosen


def write_gzip(path, data, name):
    """Gzip ``data`` into ``path`` reproducibly (fixed name and mtime 0 in the header)."""
    buf = io.BytesIO()
    with gzip.GzipFile(filename=name, mode="wb", fileobj=buf, mtime=0, compresslevel=9) as gz:
        gz.write(data)
    Path(path).write_bytes(buf.getvalue())


def build_tickets(data, out):
    with gzip.open(data, "rt", encoding="utf-8") as f:
        rows = [json.loads(line) for line in f if line.strip()]
    chosen = sample_tickets(rows)
    text = io.StringIO(newline="")
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(["id", "section", "text"])
    for row in chosen:
        writer.writerow([row["id"], row["section"], one_line(row["text"])])
    path = out / "tickets.csv.gz"
    write_gzip(path, text.getvalue().encode("utf-8"), "tickets.csv")
    words = [len(r["text"].split()) for r in chosen]
    counts = Counter(r["section"] for r in chosen)
    print(f"{path}: {len(chosen)} documents from {len(rows)}, {sum(words) / len(words):.1f} "
          f"words on average, {path.stat().st_size} bytes")
    print("  per section: " + ", ".join(f"{s} {n}" for s, n in sorted(counts.items())))
    return path


# -- changelogs ----------------------------------------------------------------------------

CHANGELOGS_FIRST_YEAR = "2014"   # earlier years have too few entries to stand for a period
CHANGELOGS_PER_YEAR = 200        # 2019-2022 hold 5-7 times more entries than other years
CHANGELOGS_PER_PACKAGE = 10      # per year: binutils alone uploads ~100 snapshots a year
CHANGELOGS_SEED = 0
CHANGELOG_MIN_WORDS, CHANGELOG_MAX_WORDS = 3, 300  # drop bare "Rebuild" and long release notes
CHANGELOG_FIELDS = ("id", "date", "package", "version", "urgency", "text")


def sample_changelogs(rows, first_year=CHANGELOGS_FIRST_YEAR, per_year=CHANGELOGS_PER_YEAR,
                      per_package=CHANGELOGS_PER_PACKAGE, seed=CHANGELOGS_SEED):
    """Pick at most ``per_year`` entries of each year from ``first_year`` on.

    The entries of a year (with ``CHANGELOG_MIN_WORDS``-``CHANGELOG_MAX_WORDS`` words) are
    taken in seeded random order, skipping a package that already has ``per_package`` entries
    in that year. Returned sorted by date, then id.
    """
    rng = random.Random(seed)
    by_year = defaultdict(list)
    for row in sorted(rows, key=lambda r: r["id"]):
        if row["date"][:4] < first_year:
            continue
        if not CHANGELOG_MIN_WORDS <= len(row["text"].split()) <= CHANGELOG_MAX_WORDS:
            continue
        by_year[row["date"][:4]].append(row)
    chosen = []
    for year in sorted(by_year):
        candidates = by_year[year]
        rng.shuffle(candidates)
        packages = Counter()
        taken = 0
        for row in candidates:
            if taken >= per_year:
                break
            if packages[row["package"]] >= per_package:
                continue
            packages[row["package"]] += 1
            chosen.append(row)
            taken += 1
    chosen.sort(key=lambda r: (r["date"], r["id"]))
    return chosen


def build_changelogs(data, out):
    with gzip.open(data, "rt", encoding="utf-8") as f:
        rows = [json.loads(line) for line in f if line.strip()]
    chosen = sample_changelogs(rows)
    lines = "".join(json.dumps({k: row[k] for k in CHANGELOG_FIELDS}, ensure_ascii=False) + "\n"
                    for row in chosen)
    path = out / "changelogs.jsonl.gz"
    write_gzip(path, lines.encode("utf-8"), "changelogs.jsonl")
    words = [len(r["text"].split()) for r in chosen]
    years = Counter(r["date"][:4] for r in chosen)
    print(f"{path}: {len(chosen)} entries from {len(rows)}, "
          f"{len({r['package'] for r in chosen})} packages, {chosen[0]['date']} to "
          f"{chosen[-1]['date']}, {sum(words) / len(words):.1f} words on average, "
          f"{path.stat().st_size} bytes")
    print("  per year: " + ", ".join(f"{y} {n}" for y, n in sorted(years.items())))
    return path


# -- python docs ---------------------------------------------------------------------------

DOC_PACKAGE = "python3.11-doc"
DOC_VERSION = "3.11.2-6+deb12u9"
DOC_SOURCES = "usr/share/doc/python3.11/html/_sources/"
DOC_FOLDERS = ("library", "howto", "tutorial")
DOC_MIN_BYTES = 3 * 1024
DOC_MAX_BYTES = 20 * 1024
DOCS_NAME = "python-docs"


def download_deb(package, version, workdir):
    """``apt-get download`` the package (pinned version first), return the .deb path."""
    attempts = [f"{package}={version}"] if version else []
    attempts.append(package)
    for updated in (False, True):
        for spec in attempts:
            result = subprocess.run(["apt-get", "download", spec], cwd=workdir,
                                    capture_output=True, text=True)
            debs = sorted(Path(workdir).glob(f"{package}_*.deb"))
            if result.returncode == 0 and debs:
                if spec != attempts[0]:
                    print(f"warning: {package}={version} is not available; used "
                          f"{debs[0].name}: the output may differ from the shipped corpus",
                          file=sys.stderr)
                return debs[0]
        if not updated:
            subprocess.run(["apt-get", "update"], capture_output=True)
    sys.exit(f"cannot download {package} with apt-get; pass the .deb with --deb")


def deb_members(deb):
    """Yield (path, bytes) for the regular files in a .deb (via dpkg-deb --fsys-tarfile)."""
    tar_bytes = subprocess.run(["dpkg-deb", "--fsys-tarfile", str(deb)], check=True,
                               capture_output=True).stdout
    with tarfile.open(fileobj=io.BytesIO(tar_bytes)) as tar:
        for member in tar:
            if member.isfile():
                yield member.name.lstrip("./"), tar.extractfile(member).read()


def deb_version(deb):
    return subprocess.run(["dpkg-deb", "--field", str(deb), "Version"], check=True,
                          capture_output=True, text=True).stdout.strip()


def build_docs(deb, out):
    version = deb_version(deb)
    files = dict(deb_members(deb))
    chosen = {}
    for name in sorted(files):
        if not name.startswith(DOC_SOURCES) or not name.endswith(".rst.txt"):
            continue
        rel = name[len(DOC_SOURCES):]
        data = files[name]
        if rel.split("/")[0] not in DOC_FOLDERS or rel.count("/") != 1:
            continue
        if not DOC_MIN_BYTES <= len(data) <= DOC_MAX_BYTES:
            continue
        data.decode("utf-8")  # must be text
        chosen[rel[: -len(".txt")]] = data.replace(b"\r\n", b"\n")
    target = out / DOCS_NAME
    if target.exists():
        shutil.rmtree(target)
    for rel, data in sorted(chosen.items()):
        path = target / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    (target / "LICENSE").write_bytes(files[DOC_SOURCES + "license.rst.txt"])
    total = sum(len(d) for d in chosen.values())
    words = sum(len(d.split()) for d in chosen.values())
    folders = Counter(rel.split("/")[0] for rel in chosen)
    print(f"{target}/: {len(chosen)} documents from {DOC_PACKAGE} {version}, {total} bytes, "
          f"{total / len(chosen) / 1024:.1f} KiB and {words / len(chosen):.0f} words on average")
    print("  per folder: " + ", ".join(f"{f} {n}" for f, n in sorted(folders.items())))
    return target


# -- main ----------------------------------------------------------------------------------

def digest(path):
    """sha256 of a file, or of a folder's sorted (relative path, bytes) pairs."""
    h = hashlib.sha256()
    path = Path(path)
    for p in sorted(path.rglob("*")) if path.is_dir() else [path]:
        if p.is_file():
            if path.is_dir():
                h.update(p.relative_to(path).as_posix().encode() + b"\0")
            h.update(p.read_bytes())
    return h.hexdigest()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path,
                        default=REPO.parent / "shared" / "data" / "debian-descriptions.jsonl.gz",
                        help="debian-descriptions.jsonl.gz (default: ../shared/data/ beside "
                             "the repository)")
    parser.add_argument("--changelogs", type=Path,
                        default=REPO.parent / "shared" / "data" / "debian-changelogs.jsonl.gz",
                        help="debian-changelogs.jsonl.gz (default: ../shared/data/ beside "
                             "the repository)")
    parser.add_argument("--out", type=Path, default=REPO / "corpora",
                        help="output folder (default: corpora/ in the repository)")
    parser.add_argument("--only", choices=("tickets", "changelogs", "docs"),
                        help="build only one of the corpora")
    parser.add_argument("--deb", type=Path,
                        help=f"a local {DOC_PACKAGE} .deb instead of apt-get download")
    parser.add_argument("--doc-version", default=DOC_VERSION,
                        help=f"{DOC_PACKAGE} version to download (default {DOC_VERSION}; "
                             "falls back to apt's candidate with a warning)")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    built = []
    if args.only in (None, "tickets"):
        if not args.data.is_file():
            parser.error(f"{args.data}: no such file (pass --data)")
        built.append(build_tickets(args.data, args.out))
    if args.only in (None, "changelogs"):
        if not args.changelogs.is_file():
            parser.error(f"{args.changelogs}: no such file (pass --changelogs)")
        built.append(build_changelogs(args.changelogs, args.out))
    if args.only in (None, "docs"):
        if args.deb:
            built.append(build_docs(args.deb, args.out))
        else:
            with tempfile.TemporaryDirectory() as tmp:
                built.append(build_docs(download_deb(DOC_PACKAGE, args.doc_version, tmp),
                                        args.out))
    for path in built:
        print(f"sha256 {digest(path)}  {path}")


if __name__ == "__main__":
    main()
