"""Cleaning (topicnmf.text.clean, .mail, .markup, .explain): each step on real documents.

The shipped corpora are real text: the Python docs are reStructuredText (markup), the
changelogs are full of bug numbers and URLs, the ticket corpus is plain prose (nothing of it
may look like mail). The mail below is written here in the RFC 5322 layout (its Appendix A
examples' headers, a reply quoted as mail clients quote it, an RFC 3676 signature).
"""

import hashlib
import json
import re

import pytest

from topicnmf import InputError, TopicModel, load_corpus
from topicnmf.io.readers import Document
from topicnmf.text import mail, markup
from topicnmf.text.clean import (STEPS, Cleaner, line_key, parse_clean, resolve_clean,
                                 strip_numbers, strip_urls, template_lines)
from topicnmf.text.explain import explain_cleaning
from topicnmf.text.preprocess import Preprocessor

from conftest import REPO

DOCS = REPO / "corpora" / "python-docs"
CHANGELOGS = REPO / "corpora" / "changelogs.jsonl.gz"

MAIL = """\
From: Mary Smith <mary@example.net>
To: John Doe <jdoe@machine.example>
Subject: Re: printer queue stuck after upgrade
Date: Fri, 21 Nov 1997 10:01:10 -0600
Message-ID: <3456@example.net>
In-Reply-To: <1234@local.machine.example>
References: <1234@local.machine.example>

Hi John,

The queue is stuck again since the upgrade to CUPS 2.4; the job id is
INC0012345 and the log at https://intranet.example.net/logs/cups.txt shows
a filter crash. Please reply to helpdesk@example.net.

Best regards,
Mary

On Fri, 21 Nov 1997 09:55:06 -0600, John Doe <jdoe@machine.example>
wrote:
> Does printing work now?
> I restarted the spooler.

-- 
Mary Smith, IT desk
+1 555 0100
"""

RST = """\
:mod:`configparser` --- Configuration file parser
=================================================

.. module:: configparser
   :synopsis: Configuration file parser.

.. sectionauthor:: Christopher G. Petrilli <petrilli@amber.org>

.. index::
   pair: .ini; file
   single: ini file

.. XXX this page needs an example of interpolation

This module provides the :class:`ConfigParser` class, see :pep:`8` and
:ref:`the tutorial <tut-files>`, or `the INI format <https://en.wikipedia.org/wiki/INI_file>`_.

.. function:: read(filenames, encoding=None)

   Attempt to read and parse an iterable of ``filenames``.

   .. versionadded:: 3.2
"""


@pytest.fixture(scope="module")
def docs():
    return load_corpus(DOCS)


@pytest.fixture(scope="module")
def changelogs():
    return load_corpus(CHANGELOGS)


# -- mail: email, quotes, signatures ---------------------------------------------------------

def test_mail_steps_keep_the_subject_and_the_message_only():
    cleaned = Cleaner(["email", "quotes", "signatures"])(MAIL)
    assert cleaned.split("\n")[0] == "printer queue stuck after upgrade"
    assert "The queue is stuck again" in cleaned and "a filter crash" in cleaned
    for gone in ("Message-ID", "@", "Hi John", "Best regards", "Mary", "wrote", "spooler",
                 "IT desk", "555"):
        assert gone not in cleaned, gone


def test_each_mail_step_counts_what_it_removed():
    text, fields = mail.strip_headers(MAIL)
    assert fields == 7 and text.startswith("printer queue stuck after upgrade\n\nHi John,")
    text, addresses = mail.strip_addresses(text)
    assert addresses == 2 and "@" not in text
    text, quoted = mail.strip_quotes(text)
    assert quoted == 4                # two quoted lines, the attribution over two lines
    text, signatures = mail.strip_signature(text)
    assert signatures == 2            # the "-- " block and "Best regards, / Mary"
    text, greetings = mail.strip_greeting(text)
    assert greetings == 1 and "Hi John" not in text


def test_outlook_replies_and_phone_signatures():
    text = ("Thanks, the fix works.\nSent from my iPhone\n\n-----Original Message-----\n"
            "From: John Doe\nSent: Friday\nSubject: fix\n\nPlease try the new build.\n")
    assert mail.strip_quotes(text) == ("Thanks, the fix works.\nSent from my iPhone\n", 5)
    assert mail.strip_signature("Thanks, the fix works.\nSent from my iPhone\n")[0] == \
        "Thanks, the fix works.\n"


def test_header_block_needs_two_mail_fields_at_the_top():
    assert mail.has_mail_header(MAIL)
    assert mail.has_mail_header("From news@example.org Fri Nov 21 09:55:06 1997\n" + MAIL)
    assert not mail.has_mail_header("Subject: printer\n\nIt jams.")
    assert not mail.has_mail_header("Name: printer\nPriority: high\n\nIt jams.")
    assert not mail.has_mail_header("The printer jams.\n" + MAIL)     # not at the top


def test_mail_steps_leave_plain_prose_alone(tickets, changelogs):
    for corpus in (tickets, changelogs):
        report = explain_cleaning(corpus, clean="email,quotes,signatures")
        counts = {r.unit: r.count for r in report.removed}
        assert counts["mail headers"] == counts["quoted lines"] == 0
        assert counts["signatures"] == counts["greetings"] == 0


# -- markup ----------------------------------------------------------------------------------

def test_rst_directives_and_roles_go_and_their_text_stays():
    cleaned = Cleaner(["markup"])(RST)
    lines = [line.strip() for line in cleaned.split("\n") if line.strip()]
    assert lines == [
        "configparser --- Configuration file parser", "configparser",
        "Configuration file parser.",
        "This module provides the ConfigParser class, see PEP 8 and",
        "the tutorial, or the INI format.",
        "read(filenames, encoding=None)",
        "Attempt to read and parse an iterable of filenames.", "3.2"]


def test_markdown_and_html_marks_go_and_their_text_stays():
    md = ("# Install\n\nRun the [installer](https://example.org/get) ![logo](logo.png)\n\n"
          "```sh\npip install topicnmf\n```\n\n<!-- draft -->\n<details><summary>More"
          "</summary>Fonts &amp; glyphs</details>\n\n| a | b |\n|---|---|\n\n"
          "[installer]: https://example.org/get\n")
    cleaned = Cleaner(["markup"])(md)
    words = cleaned.split()
    assert words == ["Install", "Run", "the", "installer", "logo", "pip", "install", "topicnmf",
                     "More", "Fonts", "&", "glyphs", "|", "a", "|", "b", "|"]
    assert markup.strip_tags("File \"<stdin>\", line 1, List<String>")[1] == 0


def test_markup_on_the_python_docs(docs):
    cleaner = Cleaner(["markup"])
    directive = re.compile(r"^\s*\.\. [\w:-]+::", re.MULTILINE)
    role = re.compile(r":(?:[\w-]+:)*[\w-]+:`")
    for doc in docs:
        cleaned = cleaner(doc.text)
        assert not directive.search(cleaned) and not role.search(cleaned), doc.id
        # cleaning adds no word (but the PEP and RFC of their roles)
        before = set(Preprocessor(stop_words=None).tokens(doc.text))
        after = set(Preprocessor(stop_words=None).tokens(cleaned))
        assert after - before <= {"pep", "rfc"}, doc.id
    page = next(d for d in docs if d.id == "library/bisect.rst")
    assert cleaner(page.text).split("\n")[0] == "bisect --- Array bisection algorithm"


def test_markup_terms_leave_the_vocabulary_of_the_python_docs(docs):
    markup_terms = {"meth", "versionadded", "versionchanged", "seealso", "sectionauthor",
                    "rubric"}
    raw = TopicModel(4, clean="none", solver="hals", random_state=0).fit(docs)
    auto = TopicModel(4, solver="hals", random_state=0).fit(docs)
    assert markup_terms & set(raw.terms) == markup_terms
    assert markup_terms & set(auto.terms) == set()
    assert auto.vectorizer_.preprocessor.clean == ("markup",)
    assert auto.cleaned_["roles"] > 10_000 and auto.cleaned_["directives"] > 4_000
    assert not any(s.startswith((".. ", ":")) for s in auto.snippets_)
    assert sum(s.startswith((".. ", ":")) for s in raw.snippets_) > 100


# -- urls, numbers, template -----------------------------------------------------------------

def test_urls_and_numbers_on_the_changelogs(changelogs):
    plain, cleaning = Preprocessor(), Preprocessor(clean=("urls", "numbers"))
    raw = [t for text in changelogs.texts for t in plain(text)]
    clean = [t for text in changelogs.texts for t in cleaning(text)]
    urls = sum(len(re.findall(r"\bhttps://", t, re.IGNORECASE)) for t in changelogs.texts)
    assert urls > 50 and clean.count("https") == raw.count("https") - urls   # "use https" stays
    texts = [Cleaner(["urls", "numbers"])(t) for t in changelogs.texts]
    assert not any(re.search(r"\d{5}|://", t) for t in texts)
    assert strip_numbers("fixed INC0012345, commit 3f9a2c1e, uuid "
                         "550e8400-e29b-41d4-a716-446655440000 on x86_64 ipv6 2024")[1] == 3
    assert strip_urls("see www.debian.org and ftp://ftp.debian.org/debian.")[1] == 2


def test_template_lines_of_the_changelogs(changelogs):
    lines = template_lines(changelogs.texts)
    assert {"* new upstream release.", "* team upload."} <= set(lines)
    share = [sum(line in map(line_key, t.split("\n")) for t in changelogs.texts)
             for line in lines]
    assert min(share) >= 0.05 * len(changelogs)
    assert template_lines(changelogs.texts[:4]) == ()           # fewer than 5 documents


def test_template_lines_are_saved_and_applied_to_new_documents(changelogs, tmp_path):
    model = TopicModel(5, clean="template", solver="hals", random_state=0).fit(changelogs)
    lines = model.vectorizer_.preprocessor.get_params()["template_lines"]
    assert "* team upload." in lines and model.cleaned_["template lines"] > 300
    model.save(tmp_path / "m")
    loaded = TopicModel.load(tmp_path / "m")
    assert loaded.vectorizer_.preprocessor.get_params()["template_lines"] == lines
    with_template = loaded.transform(["* Team upload.\n* Fix FTBFS with GCC 12."])
    assert (with_template == loaded.transform(["* Fix FTBFS with GCC 12."])).all()


# -- choosing the steps ----------------------------------------------------------------------

def test_parse_clean():
    assert parse_clean("numbers, EMAIL") == ("email", "numbers")
    assert parse_clean(["markup"]) == ("markup",) and parse_clean("none") == ()
    with pytest.raises(InputError, match="unknown step 'mails'.*email"):
        parse_clean("mails")
    with pytest.raises(InputError, match="unknown step"):
        TopicModel(2, clean="html").fit(["a b", "c d"])


def test_auto_cleans_what_the_input_says_it_is(docs, tickets, tmp_path):
    assert resolve_clean("auto", docs) == ("markup",)
    assert resolve_clean("auto", tickets) == ()
    assert resolve_clean("auto", ["plain text", MAIL]) == ("email", "quotes", "signatures")
    assert resolve_clean("auto", [Document("a.eml", "Printer\nIt jams.", kind=".eml")]) == \
        ("email", "quotes", "signatures")
    assert resolve_clean("quotes", docs) == ("quotes",)
    folder = tmp_path / "mail"
    folder.mkdir()
    for i, topic in enumerate(["printer queue", "printer toner", "vpn login", "vpn token"]):
        (folder / f"{i}.eml").write_text(MAIL.replace("printer queue stuck after upgrade",
                                                      topic))
    model = TopicModel(2, min_df=1, random_state=0).fit(load_corpus(folder))
    assert model.vectorizer_.preprocessor.clean == ("email", "quotes", "signatures")
    assert model.snippets_ == ["printer queue", "printer toner", "vpn login", "vpn token"]
    assert not {"mary", "spooler", "regards", "john"} & set(model.terms)


def test_old_models_load_without_cleaning(docs, tmp_path):
    model = TopicModel(3, solver="hals", random_state=0).fit(docs)
    model.save(tmp_path / "m")
    path = tmp_path / "m" / "model.json"
    meta = json.loads(path.read_text())
    del meta["vectorizer"]["preprocessing"]["clean"]
    del meta["vectorizer"]["preprocessing"]["template_lines"]
    del meta["params"]["clean"]
    path.write_text(json.dumps(meta))
    old = TopicModel.load(tmp_path / "m")
    assert old.vectorizer_.preprocessor.clean == ()
    text = "This module provides :mod:`configparser`."
    assert (TopicModel.load(tmp_path / "m").transform([text]) == old.transform([text])).all()
    assert model.vectorizer_.preprocessor("see :mod:`configparser`") == ["configparser"]
    assert old.vectorizer_.preprocessor("see :mod:`configparser`") == ["mod", "configparser"]


# -- what was removed, and never the files ---------------------------------------------------

def test_explain_counts_what_fit_removes(docs):
    report = explain_cleaning(docs)
    assert report.steps == ("markup",) and report.changed == len(docs) == report.n_documents
    model = TopicModel(3, solver="hals", random_state=0).fit(docs)
    assert {r.unit: r.count for r in report.removed if r.count} == model.cleaned_
    directives = next(r for r in report.removed if r.unit == "directives")
    assert len(directives.examples) == 3 and directives.examples[0][0] == docs.documents[0].id


def test_cleaning_is_deterministic_and_never_touches_the_files(docs, changelogs):
    def digest():
        return {p.name: hashlib.sha256(p.read_bytes()).hexdigest()
                for p in sorted(DOCS.rglob("*")) if p.is_file()}

    before = digest()
    texts = [d.text for d in docs] + changelogs.texts[:300]
    first = list(map(Cleaner(STEPS).fit(texts), texts))
    explain_cleaning(load_corpus(DOCS), clean=",".join(STEPS))
    assert list(map(Cleaner(STEPS).fit(texts), texts)) == first
    assert digest() == before
    assert [d.text for d in load_corpus(DOCS)] == [d.text for d in docs]


# -- the command line ------------------------------------------------------------------------

def test_cli_fit_prints_what_it_cleaned_and_explains_without_fitting(tmp_path):
    from click.testing import CliRunner

    from topicnmf.cli import main

    def run(*args):
        return CliRunner().invoke(main, [str(a) for a in args])

    explained = run("fit", DOCS, "--explain-cleaning")
    assert explained.exit_code == 0, explained.output
    header, _, *rows = explained.stdout.splitlines()
    assert header.split() == ["step", "removed", "count", "documents", "example"]
    assert rows[1].split()[:4] == ["markup", "directives", "4523", "169"]
    assert "cleaning steps: markup; 169 of 169 documents changed" in explained.stderr
    assert not (tmp_path / "m").exists()
    fitted = run("fit", DOCS, "-k", 3, "-o", tmp_path / "m", "--solver", "hals")
    assert fitted.exit_code == 0, fitted.output
    assert "cleaned (markup): 4,523 directives" in fitted.stderr
    saved = json.loads((tmp_path / "m" / "model.json").read_text())
    assert saved["vectorizer"]["preprocessing"]["clean"] == ["markup"]
    assert saved["params"]["clean"] == "auto"
    none = run("fit", DOCS, "-k", 3, "-o", tmp_path / "n", "--solver", "hals", "--clean", "none")
    assert none.exit_code == 0 and "cleaned" not in none.stderr
    bad = run("fit", DOCS, "-k", 3, "-o", tmp_path / "b", "--clean", "html")
    assert bad.exit_code == 2 and "unknown step 'html'" in bad.stderr
    assert "Traceback" not in bad.output and not (tmp_path / "b" / "model.json").exists()
    missing = run("fit", DOCS, "-k", 3)
    assert missing.exit_code == 2 and "--output" in missing.stderr
