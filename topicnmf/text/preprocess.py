"""Turn a text into terms: tokenize, lowercase, drop stop words, stem, build n-grams.

Built on nltk's regular-expression tokenizer and Snowball stemmer, neither of which needs
downloaded nltk data; the English stop-word list ships inside the package. A stemmed term is
displayed as its most frequent surface word (``servic`` → ``services``).
"""

from __future__ import annotations

import functools
import re
from collections import Counter, defaultdict
from importlib import resources
from pathlib import Path
from sys import intern


from ..errors import InputError
from .clean import Cleaner, parse_clean

#: A word starts with a letter and continues with letters, digits or underscores:
#: "ipv6" and "x11" are words, "2024" and "--" are not.
TOKEN_PATTERN = r"(?u)\b[^\W\d_]\w*\b"
#: On ASCII text the stdlib ``re`` engine gives exactly the tokens of nltk's tokenizer (which
#: runs the third-party ``regex`` engine under a timeout) about 3x faster; other text goes to
#: nltk, whose Unicode word classes differ from ``re``'s for combining marks.
_ASCII_TOKENS = re.compile(TOKEN_PATTERN)
_STEM_CACHE_LIMIT = 1_000_000


def english_stop_words() -> frozenset:
    """The packaged English stop-word list (scikit-learn's and NLTK's lists combined)."""
    text = resources.files("topicnmf").joinpath("data/stopwords-en.txt").read_text("utf-8")
    return frozenset(w for w in text.split("\n") if w and not w.startswith("#"))


def read_stop_words(path) -> frozenset:
    """Read extra stop words from a file: one per line, ``#`` starts a comment."""
    path = Path(path)
    try:
        text = path.read_text("utf-8-sig")       # drops a byte-order mark
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot read stop words ({exc.__class__.__name__}); "
                         "expected a UTF-8 text file with one word per line") from None
    words = (line.split("#", 1)[0].strip().lower() for line in text.splitlines())
    return frozenset(w for w in words if w)


def parse_ngram_range(value) -> tuple:
    """Parse ``"1-2"``, ``"1"`` or ``(1, 2)`` into a validated ``(min_n, max_n)`` tuple."""
    if isinstance(value, str):
        parts = value.split("-")
        try:
            nums = [int(p) for p in parts]
        except ValueError:
            raise InputError(f"ngrams '{value}': expected N or MIN-MAX, e.g. 1-2") from None
        value = (nums[0], nums[-1]) if len(nums) in (1, 2) else None
    if value is None or len(value) != 2 or not 1 <= value[0] <= value[1] <= 5:
        raise InputError(f"ngrams {value!r}: expected MIN-MAX with 1 <= MIN <= MAX <= 5")
    return (int(value[0]), int(value[1]))


class Preprocessor:
    """Text → terms, as a callable usable as a scikit-learn ``analyzer``.

    Parameters
    ----------
    lowercase : bool
    stop_words : 'english', None, or iterable of str
        Words dropped before stemming and n-gram building.
    extra_stop_words : iterable of str
        Added to ``stop_words`` (e.g. read from ``--stop-words FILE``).
    stem : bool
        Snowball (Porter2) stemming, cached per distinct token.
    ngram_range : (int, int)
        Terms are n-grams of consecutive kept tokens, ``min_n <= n <= max_n``.
    min_token_length : int
        Shorter tokens are dropped.
    clean : iterable of str
        Cleaning steps applied to the text first (:mod:`topicnmf.text.clean`; ``"auto"`` is
        resolved before, by :func:`topicnmf.text.clean.resolve_clean`).
    template_lines : iterable of str
        The ``template`` step's lines; learned by :meth:`fit_cleaning` when not given.

    Attributes
    ----------
    cleaned : collections.Counter
        What cleaning removed (by unit, e.g. ``{"quoted lines": 12}``) while
        ``record_surface`` was on (during ``Vectorizer.fit_transform``).

    Examples
    --------
    >>> Preprocessor(stem=True)("The printers were printing")
    ['printer', 'print']
    """

    def __init__(self, *, lowercase=True, stop_words="english", extra_stop_words=(),
                 stem=False, ngram_range=(1, 1), min_token_length=2, clean=(),
                 template_lines=()):
        self.lowercase = lowercase
        self.stop_words = stop_words
        self.extra_stop_words = tuple(sorted(extra_stop_words))
        self.stem = stem
        self.ngram_range = parse_ngram_range(ngram_range)
        self.min_token_length = min_token_length
        steps = parse_clean(clean)
        if steps == "auto":
            raise InputError("Preprocessor(clean='auto'): resolve it for the corpus first "
                             "(topicnmf.text.clean.resolve_clean)")
        self.clean = steps
        self._cleaner = Cleaner(steps, template_lines=template_lines)
        self.cleaned = Counter()
        self._stop = self._stop_set()
        self._stemmer = _english_stemmer() if stem else None
        self._stem_cache = {}
        self.surface_counts = defaultdict(Counter)
        self.record_surface = False

    def _stop_set(self):
        if self.stop_words == "english":
            base = english_stop_words()
        elif self.stop_words is None:
            base = frozenset()
        else:
            base = frozenset(self.stop_words)
        return base | frozenset(self.extra_stop_words)

    def get_params(self) -> dict:
        """Settings as plain JSON-serializable data (for saving a model)."""
        stop = self.stop_words if self.stop_words in ("english", None) else sorted(self.stop_words)
        return {"lowercase": self.lowercase, "stop_words": stop,
                "extra_stop_words": list(self.extra_stop_words), "stem": self.stem,
                "ngram_range": list(self.ngram_range), "min_token_length": self.min_token_length,
                "clean": list(self.clean), "template_lines": list(self._cleaner.template_lines)}

    def fit_cleaning(self, texts) -> "Preprocessor":
        """Learn what the cleaning steps learn from a corpus (the ``template`` lines).
        Returns self."""
        if "template" in self.clean:
            self._cleaner.fit(texts)
        return self

    def clean_text(self, text: str) -> str:
        """``text`` after the cleaning steps (what is tokenized, and what snippets show)."""
        return self._cleaner(text) if self.clean else text

    def tokens(self, text: str) -> list:
        """Surface tokens of ``text`` that survive lowercasing, length and stop-word filters."""
        if self.lowercase:
            text = text.lower()
        stop, min_len = self._stop, self.min_token_length
        words = (_ASCII_TOKENS.findall(text) if text.isascii()
                 else _unicode_tokenizer().tokenize(text))
        # Interned: a corpus repeats a few hundred thousand distinct words millions of times,
        # and one shared string per word keeps the token lists of a whole corpus small.
        return [intern(t) for t in words if len(t) >= min_len and t not in stop]

    def _stem_token(self, token):
        stem = self._stem_cache.get(token)
        if stem is None:
            if len(self._stem_cache) >= _STEM_CACHE_LIMIT:
                self._stem_cache.clear()
            stem = self._stem_cache[token] = self._stemmer.stem(token)
        return stem

    def __call__(self, text: str) -> list:
        if self.clean:
            if self.record_surface:
                text, counts = self._cleaner.counted(text)
                self.cleaned.update(counts)
            else:
                text = self._cleaner(text)
        tokens = self.tokens(text)
        if self._stemmer is not None:
            units = [self._stem_token(t) for t in tokens]
            if self.record_surface:
                counts = self.surface_counts
                for unit, token in zip(units, tokens):
                    counts[unit][token] += 1
        else:
            units = tokens
        return self._ngrams(units)

    def _ngrams(self, units):
        min_n, max_n = self.ngram_range
        if max_n == 1:
            return units
        terms = list(units) if min_n == 1 else []
        for n in range(max(min_n, 2), max_n + 1):
            terms.extend(" ".join(units[i:i + n]) for i in range(len(units) - n + 1))
        return terms

    def display_form(self, term: str) -> str:
        """The word to show for a term: each stem as its most frequent surface word."""
        if self._stemmer is None:
            return term
        return " ".join(self._most_common_surface(unit) for unit in term.split(" "))

    def _most_common_surface(self, unit):
        counts = self.surface_counts.get(unit)
        if not counts:
            return unit
        # most frequent first; ties go to the alphabetically first word, for determinism
        return min(counts.items(), key=lambda kv: (-kv[1], kv[0]))[0]


@functools.lru_cache(maxsize=None)
def _unicode_tokenizer():
    """nltk's tokenizer for non-ASCII text, loaded on first use (loading a model needs none)."""
    from nltk.tokenize import RegexpTokenizer

    return RegexpTokenizer(TOKEN_PATTERN)


def _english_stemmer():
    from nltk.stem.snowball import SnowballStemmer

    return SnowballStemmer("english")
