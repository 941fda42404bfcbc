"""Cleaning: what is not the text's own words goes before tokenizing.

Seven steps, each made of pure functions ``text -> (text, count removed)``
(:mod:`topicnmf.text.mail`, :mod:`topicnmf.text.markup` and the ones here), applied in this
order whatever order they are named in:

=============  ==================================================================================
``email``      an RFC 5322 header block at the top (the subject stays as the first line), and
               e-mail addresses
``quotes``     quoted reply lines (``> ...``), the ``On ... wrote:`` line above them, and
               everything below ``-----Original Message-----``
``signatures`` a ``-- `` signature block, a sign-off (``Best regards,``) with the name below
               it near the end, "Sent from my phone", a greeting line (``Hi John,``) at the top
``template``   lines that occur verbatim in at least ``TEMPLATE_SHARE`` of the documents (and at
               least ``TEMPLATE_MIN_DOCUMENTS``): form labels such as ``Steps to reproduce:``.
               The lines are learned when fitting and saved with the model
``markup``     reStructuredText directives, comments and roles, Markdown fences, heading marks
               and link URLs, HTML tags; the text they mark up stays
``urls``       addresses with a scheme (``https://``, ``git://``, ``file://``, ...) or ``www.``
``numbers``    runs of five or more digits with the letters around them (``INC0012345``), hex ids
               of seven or more characters with a digit (``3f9a2c1``), UUIDs
=============  ==================================================================================

``clean="auto"`` (the default) turns steps on where the input says what it is: ``email``,
``quotes`` and ``signatures`` when a document is a ``.eml`` file or starts with a mail header
block, ``markup`` when it is a ``.rst``, ``.md`` or ``.html`` file. The steps are chosen once
for the whole corpus when fitting and saved with the model, so new documents (``tag``,
``assign``, ``update``, ``serve``) are cleaned the same way whatever their source.
"""

from __future__ import annotations

import functools
import re
from collections import Counter

from ..errors import InputError
from . import mail, markup

#: The steps in the order they are applied.
STEPS = ("email", "quotes", "signatures", "template", "markup", "urls", "numbers")
AUTO, NONE = "auto", "none"
MAIL_STEPS = ("email", "quotes", "signatures")
MAIL_KINDS = frozenset({".eml"})
MARKUP_KINDS = frozenset({".rst", ".md", ".markdown", ".html", ".htm"})
#: ``template``: a line is a template line when it occurs (after collapsing spaces and
#: lowercasing) in at least this share of the documents and at least this many of them,
#: and has a letter. Measured in README "Cleaning".
TEMPLATE_SHARE = 0.05
TEMPLATE_MIN_DOCUMENTS = 5

_URL = re.compile(r"\b(?:[a-zA-Z][\w+.-]*://|www\.)[^\s<>\"'`)\]]*")
_DIGIT = re.compile(r"\d")
_DIGIT_WORD = re.compile(r"\d\w*")
_FIVE_DIGITS = re.compile(r"\d{5}")
_UUID = re.compile(r"[0-9a-fA-F]{8}(?:-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}(?!\w)")
_HEX_DIGITS = frozenset("0123456789abcdefABCDEF")
_LETTER = re.compile(r"[^\W\d_]")


def strip_urls(text: str) -> tuple:
    """Remove URLs (any ``scheme://``, and ``www.`` addresses). Counts them."""
    if "://" not in text and "www." not in text:
        return text, 0
    return _URL.subn(" ", text)


def strip_numbers(text: str) -> tuple:
    """Remove long numbers and ids: UUIDs, hex ids of 7+ characters with a digit and a
    letter, and words holding a run of 5+ digits. Counts them."""
    if not _DIGIT.search(text):
        return text, 0
    out, pos, count = [], 0, 0
    for match in _DIGIT_WORD.finditer(text):     # each word with a digit, found at the digit
        start, end = match.span()
        if start < pos:
            continue
        while start > pos and (text[start - 1].isalnum() or text[start - 1] == "_"):
            start -= 1
        uuid = _UUID.match(text, start)
        if uuid is not None:
            end = uuid.end()
        elif not (_FIVE_DIGITS.search(text, start, end) or _is_hex_id(text[start:end])):
            continue
        out += [text[pos:start], " "]
        pos, count = end, count + 1
    return ("".join(out) + text[pos:], count) if count else (text, 0)


def _is_hex_id(word) -> bool:
    return len(word) >= 7 and not word.isdigit() and set(word) <= _HEX_DIGITS


def line_key(line: str) -> str:
    """A line as templates are matched: spaces collapsed, lowercase."""
    return " ".join(line.split()).lower()


def strip_lines(text: str, *, lines) -> tuple:
    """Remove the lines whose :func:`line_key` is in ``lines``. Counts them."""
    if not lines:
        return text, 0
    old = text.split("\n")
    kept = [line for line in old if line_key(line) not in lines]
    return ("\n".join(kept), len(old) - len(kept)) if len(kept) < len(old) else (text, 0)


def template_lines(texts, *, min_share=TEMPLATE_SHARE, min_documents=TEMPLATE_MIN_DOCUMENTS):
    """The lines that occur in at least ``min_share`` of ``texts`` and at least
    ``min_documents`` of them (each text counts a line once), sorted.

    Only lines with a letter count (a rule of dashes is markup, not a template).
    """
    texts = list(texts)
    df = Counter()
    for text in texts:
        df.update(line_keys(text))
    return frequent_lines(df, len(texts), min_share=min_share, min_documents=min_documents)


def line_keys(text: str) -> set:
    """The :func:`line_key` of each line of ``text`` that has a letter (what
    :func:`template_lines` counts)."""
    return {key for key in map(line_key, text.split("\n")) if _LETTER.search(key)}


def frequent_lines(df, n_documents, *, min_share=TEMPLATE_SHARE,
                   min_documents=TEMPLATE_MIN_DOCUMENTS) -> tuple:
    """The template lines of ``n_documents`` documents whose lines occur in ``df`` documents
    (``{line key: documents}``), sorted: :func:`template_lines` from counts."""
    needed = max(min_documents, min_share * n_documents)
    return tuple(sorted(key for key, n in df.items() if n >= needed))


#: Each step's parts: (what it counts, function).
PARTS = {
    "email": (("mail headers", mail.strip_headers), ("e-mail addresses", mail.strip_addresses)),
    "quotes": (("quoted lines", mail.strip_quotes),),
    "signatures": (("signatures", mail.strip_signature), ("greetings", mail.strip_greeting)),
    "template": (("template lines", strip_lines),),
    "markup": (("code fences", markup.strip_fences), ("directives", markup.strip_directives),
               ("field markers", markup.strip_fields), ("roles", markup.strip_roles),
               ("underlines", markup.strip_underlines), ("Markdown marks", markup.strip_markdown),
               ("HTML tags", markup.strip_tags)),
    "urls": (("URLs", strip_urls),),
    "numbers": (("long numbers and ids", strip_numbers),),
}


def parse_clean(value) -> tuple:
    """``"email,quotes"``, ``["markup"]``, ``"none"`` or None → the steps in :data:`STEPS`
    order; ``"auto"`` stays ``"auto"`` (resolved by :func:`resolve_clean`).

    Examples
    --------
    >>> parse_clean("urls,email"), parse_clean("none"), parse_clean("auto")
    (('email', 'urls'), (), 'auto')
    """
    if value is None:
        return ()
    if isinstance(value, str):
        if value.strip().lower() == AUTO:
            return AUTO
        names = [v.strip().lower() for v in value.split(",") if v.strip()]
    else:
        try:
            names = [str(v).strip().lower() for v in value]
        except TypeError:
            raise InputError(f"clean={value!r}: expected 'auto', 'none' or step names such as "
                             "'email,quotes'") from None
    if names == [NONE]:
        return ()
    unknown = [n for n in names if n not in STEPS]
    if unknown:
        raise InputError(f"clean: unknown step '{unknown[0]}'; use auto, none or a comma-"
                         "separated list of " + ", ".join(sorted(STEPS)))
    return tuple(step for step in STEPS if step in names)


def resolve_clean(value, documents=()) -> tuple:
    """The steps ``value`` means for these documents: ``"auto"`` looks at each document's
    ``kind`` (a file suffix such as ``.eml``) and start (a mail header block), see the
    module's notes; anything else is :func:`parse_clean`."""
    steps = parse_clean(value)
    if steps != AUTO:
        return steps
    wanted = set()
    for doc in documents:
        kind = getattr(doc, "kind", "")
        text = doc if isinstance(doc, str) else doc.text
        if "email" not in wanted and (kind in MAIL_KINDS or mail.has_mail_header(text)):
            wanted.update(MAIL_STEPS)
        if kind in MARKUP_KINDS:
            wanted.add("markup")
    return tuple(step for step in STEPS if step in wanted)


class Cleaner:
    """The chosen steps as one function ``text -> text`` (``counted`` also says what went).

    Parameters
    ----------
    steps : iterable of str
        Names from :data:`STEPS` (applied in that order).
    template_lines : iterable of str
        Template lines (:func:`line_key` form) for the ``template`` step; learned by
        :meth:`fit` when not given.

    Examples
    --------
    >>> Cleaner(["quotes", "urls"])("See https://bugs.debian.org/1\\n> old text\\nnew text")
    'See  \\nnew text'
    """

    def __init__(self, steps=(), *, template_lines=()):
        self.steps = tuple(step for step in STEPS if step in steps)
        self._use_lines(template_lines)

    def _use_lines(self, lines):
        """Set the template lines, bound into the ``template`` step's function once."""
        self.template_lines = tuple(lines)
        bound = functools.partial(strip_lines, lines=frozenset(self.template_lines))
        self._parts = [(step, unit, bound if step == "template" else func)
                       for step in self.steps for unit, func in PARTS[step]]

    def fit(self, texts) -> "Cleaner":
        """Learn the template lines from ``texts`` (as cleaned by the steps before
        ``template``) when the ``template`` step is on and none were given. Returns self."""
        if "template" in self.steps and not self.template_lines:
            before = Cleaner(self.steps[:self.steps.index("template")])
            self._use_lines(template_lines(before(t) for t in texts))
        return self

    def __call__(self, text: str) -> str:
        for _, _, func in self._parts:
            text = func(text)[0]
        return text

    def counted(self, text: str) -> tuple:
        """``(cleaned text, Counter of removed things by unit)``."""
        counts = Counter()
        for _, unit, func in self._parts:
            text, n = func(text)
            if n:
                counts[unit] += n
        return text, counts

    def parts(self):
        """``(step, unit, function of text -> (text, count))`` in the order applied."""
        return list(self._parts)
