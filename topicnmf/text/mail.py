"""Cleaning steps for mail and tickets: headers and addresses, quoted replies, signatures.

Each function takes a text and returns ``(cleaned text, count of what it removed)``; none
keeps state, so a text is cleaned the same way alone, in a batch or in another process.
:mod:`topicnmf.text.clean` composes them into the ``email``, ``quotes`` and ``signatures``
steps.
"""

from __future__ import annotations

import re

#: Header fields that say "this is a mail or news message" (RFC 5322, RFC 5536, MIME):
#: a block of header lines at the top of a text with two of them is a message's header.
MAIL_FIELDS = frozenset(
    "from to cc bcc date subject message-id received return-path reply-to in-reply-to "
    "references sender newsgroups path followup-to mime-version content-type "
    "content-transfer-encoding delivered-to x-mailer user-agent organization lines "
    "nntp-posting-host xref x-original-to list-id thread-topic importance".split())
_FIELD = re.compile(r"([!-9;-~]+):(?:[ \t](.*))?$")     # RFC 5322 field name, then the value
_MBOX_FROM = re.compile(r"From \S+ .*\d\d:\d\d")         # an mbox file's "From sender date"
_REPLY_PREFIX = re.compile(r"^(?:\s*(?:re|fwd?|aw|wg|sv|vs|antw)\s*(?:\[\d+\])?\s*:)+\s*",
                           re.IGNORECASE)
_ADDRESS = re.compile(r"(?:mailto:)?\b[\w.+'-]++@[\w-]+(?:\.[\w-]+)*\.[a-zA-Z]{2,}\b>?")

_QUOTED = re.compile(r">(?!=)")      # at the start of the line, as mail clients quote (not >=)
_ATTRIBUTION_WORDS = ("wrote", "writes", "schrieb", "a écrit")
_ATTRIBUTION = re.compile(r".{0,160}\b(?:wrote|writes|schrieb|a écrit)\s*:\s*$",
                          re.IGNORECASE)
_ON_DATE = re.compile(r"\s*(?:on|am|le)\s", re.IGNORECASE)
_ORIGINAL = re.compile(r"\s*(?:-{3,}\s*(?:original message|forwarded by)\b.*|_{20,}\s*)$",
                       re.IGNORECASE)

_SIGNATURE_DASHES = re.compile(r"--\s?$")                 # RFC 3676's "-- " (and "--")
_SENT_FROM = re.compile(r"\s*(?:sent from my \w+.*|get outlook for \w+.*)$", re.IGNORECASE)
_SIGN_OFF = re.compile(
    r"\s*(?:(?:many |best |kind |warm |warmest |with )?(?:thanks?|thank you|thx|tia)"
    r"(?: (?:so much|very much|a lot|in advance|again|for your help|for reading))*"
    r"|(?:best|kind|warm|warmest|many) (?:regards|wishes)|regards|best|cheers|sincerely"
    r"|yours(?: sincerely| truly| faithfully)?|cordially|all the best|respectfully|br"
    r"|greetings|ciao|mit freundlichen grüßen|cordialement)\s*[,.!]*\s*$", re.IGNORECASE)
_GREETING = re.compile(
    r"\s*(?:hi|hello|hey|dear|hallo|bonjour|greetings|good (?:morning|afternoon|evening|day))"
    r"\b(?:[ ,]+[\w.'-]+){0,3}\s*[,!:.]?\s*$", re.IGNORECASE)
SIGNATURE_LINES = 15    # at most this many non-blank lines below "-- " make a signature
SIGN_OFF_TAIL = 5       # at most this many short lines (name, title, phone) below a sign-off
GREETING_LINES = 3      # a greeting is one of the first three non-blank lines


def header_block(lines) -> int:
    """Number of lines of an RFC 5322 header block at the top of ``lines``, or 0.

    A header block is a run of ``Name: value`` lines (with continuation lines that start with
    a space or tab, and optionally an mbox ``From sender date`` line first), ended by a blank
    line or the end of the text, naming at least two fields of :data:`MAIL_FIELDS`.
    """
    n = 1 if lines and _MBOX_FROM.match(lines[0]) else 0
    known = 0
    while n < len(lines) and lines[n].strip():
        line = lines[n]
        if line[0] in " \t" and n > 0:
            n += 1
            continue
        match = _FIELD.match(line)
        if match is None:
            return 0
        known += match.group(1).lower() in MAIL_FIELDS
        n += 1
    return n if known >= 2 else 0


def has_mail_header(text: str) -> bool:
    """Does ``text`` start with a mail or news header block (see :func:`header_block`)?"""
    head = text.lstrip("\n")[:4096].split("\n", 60)
    return header_block(head[:60]) > 0


def strip_headers(text: str) -> tuple:
    """Drop the header block at the top of a message, keeping the subject as the first line
    (without ``Re:``/``Fwd:`` prefixes; a text without a header loses those of its first
    line). Counts the header fields (and prefixes) dropped."""
    lines = text.lstrip("\n").split("\n")
    n = header_block(lines)
    if n == 0:                  # a message read without its header (.eml): "Re: subject"
        subject = _REPLY_PREFIX.sub("", lines[0])
        return ("\n".join([subject] + lines[1:]), 1) if subject != lines[0] else (text, 0)
    subject, fields, current = "", 0, None
    for line in lines[:n]:
        match = _FIELD.match(line) if line[:1] not in (" ", "\t") else None
        if match is not None:
            fields += 1
            current = match.group(1).lower()
            if current == "subject":
                subject = match.group(2) or ""
        elif current == "subject":
            subject += " " + line.strip()
    subject = _REPLY_PREFIX.sub("", subject.strip())
    body = "\n".join(lines[n:]).lstrip("\n")
    return (subject + "\n\n" + body if subject else body), fields


def strip_addresses(text: str) -> tuple:
    """Remove e-mail addresses (and ``mailto:``). Counts the addresses."""
    return _ADDRESS.subn(" ", text) if "@" in text else (text, 0)


def strip_quotes(text: str) -> tuple:
    """Remove quoted reply lines (``> ...``), the attribution line that introduces them
    (``On Fri, 21 Nov 1997, Mary wrote:``, also over two lines) and everything below an
    ``-----Original Message-----`` or Outlook ``____`` separator. Counts the lines removed."""
    separators = "---" in text or "____" in text
    lower = text.lower()
    attributions = any(word in lower for word in _ATTRIBUTION_WORDS)
    if not (separators or attributions or text.startswith(">") or "\n>" in text):
        return text, 0
    lines = text.split("\n")
    keep = [True] * len(lines)
    for i, line in enumerate(lines):
        if separators and _ORIGINAL.match(line):
            for j in range(i, len(lines)):
                keep[j] = False
            break
        if _QUOTED.match(line):
            keep[i] = False
    for i, line in enumerate(lines if attributions else ()):
        if keep[i] and _ATTRIBUTION.match(line) and _quote_follows(lines, keep, i):
            keep[i] = False
            if i > 0 and keep[i - 1] and _ON_DATE.match(lines[i - 1]) \
                    and not _ON_DATE.match(line):
                keep[i - 1] = False              # "On Fri, ... Mary Smith <" / "... wrote:"
    removed = sum(1 for k, line in zip(keep, lines) if not k and line.strip())
    if removed == 0:
        return text, 0
    return "\n".join(line for k, line in zip(keep, lines) if k), removed


def _quote_follows(lines, keep, i) -> bool:
    """Is the next non-blank line after ``i`` a removed (quoted) line, or is there none?"""
    for j in range(i + 1, len(lines)):
        if lines[j].strip():
            return not keep[j]
    return True


def strip_signature(text: str) -> tuple:
    """Remove a signature block: from a ``-- `` line (RFC 3676) to the end when at most
    ``SIGNATURE_LINES`` lines follow it, "Sent from my phone" lines, and a sign-off line
    (``Best regards,``, ``Thanks!``) near the end with at most ``SIGN_OFF_TAIL`` short lines
    (name, title) below it. Counts the blocks removed."""
    lines = text.split("\n")
    count = 0
    for i in _last_filled(lines, SIGNATURE_LINES + 1) if "--" in text else ():
        if _SIGNATURE_DASHES.fullmatch(lines[i]):
            lines, count = lines[:i], 1
            break
    lower = text.lower()
    if "sent from" in lower or "get outlook" in lower:
        kept = [line for line in lines if not _SENT_FROM.match(line)]
        count += len(lines) - len(kept)
        lines = kept
    last = _last_filled(lines, SIGN_OFF_TAIL + 1)
    for n, i in enumerate(last):
        if len(lines[i]) <= 40 and _SIGN_OFF.match(lines[i]):
            if all(len(lines[j].split()) <= 6 for j in last[:n]):
                lines, count = lines[:i], count + 1
            break
    return ("\n".join(lines).rstrip() + ("\n" if text.endswith("\n") else "")
            if count else text), count


def _last_filled(lines, n) -> list:
    """Indices of the last ``n`` non-blank lines, the last one first."""
    found = []
    for i in range(len(lines) - 1, -1, -1):
        if lines[i].strip():
            found.append(i)
            if len(found) == n:
                break
    return found


def strip_greeting(text: str) -> tuple:
    """Remove a greeting line (``Hi John,``, ``Dear support team,``, ``Hello!``) among the
    first ``GREETING_LINES`` non-blank lines. Counts the lines removed (0 or 1)."""
    lines = text.split("\n")
    seen = 0
    for i, line in enumerate(lines):
        if not line.strip():
            continue
        if _GREETING.match(line):
            del lines[i]
            return "\n".join(lines), 1
        seen += 1
        if seen >= GREETING_LINES:
            break
    return text, 0
