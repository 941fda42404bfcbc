"""Cleaning steps for markup: reStructuredText, Markdown and HTML marks removed, text kept.

Each function takes a text and returns ``(cleaned text, count of what it removed)``, with no
state. What goes: directive and role names (``.. note::``, ``:mod:``), comments
(``.. XXX``), link targets and URLs of links, section underlines, code-fence lines, heading
marks and HTML tags. What stays: the words a reader sees, the arguments of directives that
name things (``.. function:: dumps(obj)``), role texts (``:mod:`json``` → ``json``), link
texts, headings and the code inside fences and literal blocks. A few directives hold no
text at all (a table of contents, index entries, authors, file includes): they go whole.
"""

from __future__ import annotations

import html
import re

#: Directives whose argument and body are not text of the page: dropped whole.
DROPPED_DIRECTIVES = frozenset(
    "toctree index highlight sectionauthor moduleauthor codeauthor include literalinclude "
    "image figure raw testsetup testcleanup tabularcolumns contents currentmodule "
    "default-role role meta".split())

_EXPLICIT = re.compile(r"([ \t]*)\.\.(?:[ \t]+(.*))?$")     # ".. " starts rst explicit markup
_DIRECTIVE = re.compile(r"([\w:.+-]+)::(?:[ \t]+(.*))?$")
_FOOTNOTE = re.compile(r"\[[^\]]+\][ \t]*(.*)$")
_FIELD = re.compile(r"([ \t]*):(?![ \t])([^:`]+):(?:[ \t]+(.*))?$")   # ":synopsis: text"

_INLINE = r"((?:[^`\n]|\n(?![ \t]*\n))+?)"   # inline text: may wrap, never past a paragraph
_LITERAL = re.compile(r"``(?![\s`])" + _INLINE + r"(?<!\s)``")
_ROLE = re.compile(r":(?:[\w-]+:)*([\w-]+):`" + _INLINE + "`")
_REFERENCE = re.compile(r"`([^`<>]+?)\s*<[^<>`]+>`_{1,2}")    # `text <url>`_
_INTERPRETED = re.compile(r"(?<![\w`])`(?![\s`])" + _INLINE + r"(?<!\s)`(?:_{1,2})?(?![\w`])")
_FOOTNOTE_REF = re.compile(r"\s?\[(?:#\w*|\*|\d+)\]_")
_SUBSTITUTION = re.compile(r"(?<![\w|])\|(\w[\w .-]*)\|(?:_{1,2})?(?![\w|])")
_TITLE_TARGET = re.compile(r"(.*?)\s*<([^<>]+)>$", re.DOTALL)
_ADORNMENT = re.compile(r"[ \t]*([!-/:-@\[-`{-~])\1{2,}[ \t]*$")
_LITERAL_MARK = re.compile(r"[ \t]*::[ \t]*$")

_FENCE = re.compile(r"[ \t]*(?:`{3,}|~{3,}).*$")
_HEADING = re.compile(r"[ \t]{0,3}#{1,6}[ \t]+(.*?)(?:[ \t]+#+)?[ \t]*$")
_MD_LINK = re.compile(r"(?<![\w\])])!?\[([^\]\n]*)\](?:\([^)\n]*\)|\[[^\]\n]*\])")
_MD_DEFINITION = re.compile(r"[ \t]{0,3}\[[^\]\n]+\]:[ \t]+\S+.*$")
_TABLE_RULE = re.compile(r"[ \t]*\|?[ \t]*:?-{3,}:?[ \t]*(?:\|[ \t]*:?-{3,}:?[ \t]*)+\|?[ \t]*$")
_AUTOLINK = re.compile(r"<((?:https?|ftp)://[^<>\s]+)>")

_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
_SCRIPT = re.compile(r"<(script|style)\b[^>]*>.*?</\1\s*>", re.DOTALL | re.IGNORECASE)
#: HTML elements by name (so that ``<stdin>`` in a traceback or ``List<String>`` is not a tag).
HTML_ELEMENTS = frozenset(
    "a abbr address article aside audio b bdi bdo blockquote body br button canvas caption "
    "cite code col colgroup data dd del details dfn dialog div dl dt em embed fieldset "
    "figcaption figure font footer form h1 h2 h3 h4 h5 h6 head header hr html i iframe img "
    "input ins kbd label legend li link main mark meta nav noscript object ol optgroup option "
    "output p param picture pre q s samp section select small source span strike strong sub "
    "summary sup table tbody td template textarea tfoot th thead time title tr track tt u ul "
    "var video wbr center".split())
_TAG = re.compile(r"</?([a-zA-Z][a-zA-Z0-9]*)(?:\s[^<>]*)?/?>")
_ENTITY = re.compile(r"&(?:#\d+|#x[0-9a-fA-F]+|[a-zA-Z]\w*);")


def strip_directives(text: str) -> tuple:
    """reStructuredText explicit markup: a directive line keeps only its argument
    (``.. function:: dumps(obj)`` → ``dumps(obj)``) and option lines their values; comments
    (``.. XXX``), link targets (``.. _label:``), substitution definitions and the directives
    of :data:`DROPPED_DIRECTIVES` go with their indented blocks; a footnote keeps its text.
    Counts the directives, comments and targets."""
    if ".." not in text:
        return text, 0
    lines = text.split("\n")
    out, count, i = [], 0, 0
    while i < len(lines):
        match = _EXPLICIT.match(lines[i])
        if match is None:
            out.append(lines[i])
            i += 1
            continue
        count += 1
        indent, rest = match.group(1), match.group(2) or ""
        directive = _DIRECTIVE.match(rest)
        footnote = _FOOTNOTE.match(rest)
        end = _block_end(lines, i, len(indent))
        if directive and directive.group(1).lower() not in DROPPED_DIRECTIVES \
                and not rest.startswith("|"):
            if directive.group(2):
                out.append(indent + directive.group(2))
            i += 1
            while i < end and _FIELD.match(lines[i]):      # the directive's options
                value = _FIELD.match(lines[i]).group(3)
                if value:
                    out.append(indent + "   " + value)
                i += 1
            continue                                        # the body is text: kept
        if footnote and not directive:
            out.append(indent + footnote.group(1))
            i += 1
            continue
        i = end                                  # comment, target, substitution, dropped
    return "\n".join(out), count


def _block_end(lines, start, indent) -> int:
    """First line after ``start`` that is not blank and not indented more than ``indent``
    (trailing blank lines stay outside the block)."""
    end = last = start + 1
    while end < len(lines):
        line = lines[end]
        if line.strip():
            if len(line) - len(line.lstrip(" \t")) <= indent:
                break
            last = end + 1
        end += 1
    return last


def strip_roles(text: str) -> tuple:
    """reStructuredText inline markup: roles keep their text (``:func:`~json.dumps``` →
    ``dumps``, ``:pep:`8``` → ``PEP 8``, ``:ref:`the tutorial <tut-json>``` → ``the
    tutorial``), links their title, inline literals and interpreted text their content;
    footnote references go and substitutions lose their bars. Counts the roles and links."""
    if "`" not in text and "|" not in text:
        return text, 0
    count = 0

    def role(match):
        name, content = match.group(1).lower(), match.group(2)
        titled = _TITLE_TARGET.match(content)
        if titled and titled.group(1):
            return titled.group(1)
        content = content.strip()
        if name in ("pep", "rfc"):
            return f"{name.upper()} {content}"
        if content.startswith("~"):
            return content[1:].rsplit(".", 1)[-1]
        return content.lstrip("!.")

    text, n = _LITERAL.subn(r"\1", text)
    count += n
    text, n = _ROLE.subn(role, text)
    count += n
    text, n = _REFERENCE.subn(r"\1", text)
    count += n
    text, n = _INTERPRETED.subn(r"\1", text)
    count += n
    text, n = _FOOTNOTE_REF.subn("", text)
    count += n
    text, n = _SUBSTITUTION.subn(r"\1", text)
    return text, count + n


def strip_fields(text: str) -> tuple:
    """reStructuredText field markers (``:param timeout:`` → the text after it). Counts
    them."""
    if ":" not in text:
        return text, 0
    lines = text.split("\n")
    count = 0
    for i, line in enumerate(lines):
        match = _FIELD.match(line)
        if match is not None:
            lines[i] = match.group(1) + (match.group(3) or "")
            count += 1
    return ("\n".join(lines), count) if count else (text, 0)


def strip_underlines(text: str) -> tuple:
    """Section underlines and rules (``=====``, ``-----``, ``***``) and literal-block marks
    (``Example::`` → ``Example:``, a ``::`` line goes). Counts the underlines."""
    lines = text.split("\n")
    kept = [line for line in lines if not _ADORNMENT.match(line)]
    count = len(lines) - len(kept)
    if "::" in text:
        kept = [_LITERAL_MARK.sub(":", line) for line in kept if line.strip() != "::"]
    return "\n".join(kept), count


def strip_fences(text: str) -> tuple:
    """Markdown code-fence lines (```` ```python ````, ``~~~``); the code between them stays.
    A line of only ``~`` right under a line of text is a section underline, not a fence.
    Counts the fence lines."""
    if "```" not in text and "~~~" not in text:
        return text, 0
    lines = text.split("\n")
    kept = [line for i, line in enumerate(lines) if not _FENCE.match(line)
            or (i > 0 and lines[i - 1].strip() and not line.strip().strip("~"))]
    return "\n".join(kept), len(lines) - len(kept)


def strip_markdown(text: str) -> tuple:
    """Markdown heading marks (``## Install`` → ``Install``), links and images (their text
    stays, the URL goes), link definitions and table rules. Counts them."""
    count = 0
    if "[" in text:
        text, count = _MD_LINK.subn(r"\1", text)
    text, n = _AUTOLINK.subn(r"\1", text)
    count += n
    if "#" not in text and "[" not in text and "|" not in text:
        return text, count
    lines = text.split("\n")
    out = []
    for line in lines:
        heading = _HEADING.match(line)
        if heading is not None:
            out.append(heading.group(1))
            count += 1
        elif _MD_DEFINITION.match(line) or _TABLE_RULE.match(line):
            count += 1
        else:
            out.append(line)
    return "\n".join(out), count


def strip_tags(text: str) -> tuple:
    """HTML: comments, scripts and styles go whole, other tags go and their text stays;
    character references are decoded (``&amp;`` → ``&``). Counts the tags and comments."""
    if "<" not in text and "&" not in text:
        return text, 0
    text, count = _COMMENT.subn(" ", text)
    text, n = _SCRIPT.subn(" ", text)
    count += n
    removed = 0

    def element(match):
        nonlocal removed
        if match.group(1).lower() not in HTML_ELEMENTS:
            return match.group(0)
        removed += 1
        return " "

    text = _TAG.sub(element, text)
    count += removed
    if _ENTITY.search(text):
        text = html.unescape(text)
    return text, count
