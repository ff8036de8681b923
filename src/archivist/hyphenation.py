"""Hyphenation patterns read once, when archivist is installed, rather than in every process.

pyphen parses a dictionary's patterns the first time a process asks for the language:
15 ms for French, 85 ms for English, 0.6 s for German, paid again by every process (a
`make` adding one article, each worker of a pool). ``prepare()``, which `make` runs after
installing archivist, stores pyphen's own parse of each dictionary archivist can use,
beside the interpreter (``sys.prefix``); ``load()`` hands it to pyphen before pyphen would
parse the file. The file's name holds the SHA-256 of the dictionary, pyphen's version and
the interpreter's, so a changed dictionary, pyphen or Python is never served a stale parse:
pyphen then parses the file itself, as it always did.

``points()`` finds a word's hyphenation points as pyphen does, three times faster on a word
not seen before (the case of every new article's rarer words): at each start it reads on
only while what it has read still begins some pattern, where pyphen tries every length up
to the longest pattern's. The prefixes that decides by are prepared with the patterns, for
a dictionary that has fewer of them than patterns (German has 3.5 times as many: loading
them would cost each process more than its articles' words save); pyphen finds the points
of the others.
"""

from __future__ import annotations

import hashlib
import marshal
from collections.abc import Callable, Sequence
from pathlib import Path

import pyphen

from . import prepared

CACHE_DIR = prepared.ROOT / "hyphenation"
FORMAT = 2  # of what the file holds; raised if that changes
# The languages prepared; a dictionary of any other is parsed by pyphen in each process.
PREPARED = ("en", "fr", "de", "es", "it", "pt", "nl")
# For each dictionary loaded with its prefixes: every proper prefix of a pattern.
_PREFIXES: dict[Path, frozenset[str]] = {}


def dictionary_name(language: str) -> str:
    """The pyphen dictionary for a BCP 47 tag, or '' when there is none."""
    return pyphen.language_fallback(language.replace("-", "_")) or ""


def _cache_file(dictionary: Path) -> Path:
    digest = hashlib.sha256(dictionary.read_bytes()).hexdigest()[:32]
    return CACHE_DIR / f"{dictionary.stem}.{digest}.pyphen{pyphen.__version__}.{prepared.PYTHON}.f{FORMAT}"


def load(name: str) -> bool:
    """Give pyphen the prepared patterns of dictionary ``name``; False when there are none."""
    path = pyphen.LANGUAGES.get(name)
    if path is None:
        return False
    if path in pyphen.hdcache:
        return True
    try:
        patterns, maxlen, prefixes = marshal.loads(_cache_file(path).read_bytes())
    except (OSError, EOFError, ValueError, TypeError):
        return False  # not prepared, or prepared for something else: pyphen parses the file
    parsed = pyphen.HyphDict.__new__(pyphen.HyphDict)
    parsed.patterns, parsed.cache, parsed.maxlen = patterns, {}, maxlen
    pyphen.hdcache[path] = parsed
    if prefixes is not None:
        _PREFIXES[path] = prefixes
    return True


def points(name: str, left: int, right: int) -> Callable[[str], Sequence[int]] | None:
    """``pyphen.Pyphen(lang=name, left=left, right=right).positions``, the same points, found
    without pyphen's per-word cache (which never forgets a word: a caller keeps its own);
    None when pyphen has no dictionary ``name``.

    A dictionary loaded without prefixes (none prepared, or too many) is left to pyphen.
    """
    path = pyphen.LANGUAGES.get(name)
    if path is None:
        return None
    dictionary = pyphen.Pyphen(lang=name, left=left, right=right)
    prefixes = _PREFIXES.get(path)
    if prefixes is None:
        return dictionary.positions
    patterns = dictionary.hd.patterns

    def positions(word: str) -> list[int]:
        dotted = f".{word.lower()}."  # pyphen's reading: lower case, the word's ends marked
        end = len(dotted)
        scores = [0] * (end + 1)
        for start in range(end - 1):
            for stop in range(start + 1, end + 1):
                read = dotted[start:stop]
                pattern = patterns.get(read)
                if pattern is not None:
                    at, values = pattern
                    at += start
                    for value in values:
                        if value > scores[at]:
                            scores[at] = value
                        at += 1
                if read not in prefixes:
                    break
        # An odd score at scores[at] lets a hyphen go before the word's letter at - 1.
        return [at - 1 for at in range(left + 1, min(len(word) - right + 2, end + 1)) if scores[at] % 2]

    return positions


def prepare() -> list[Path]:
    """Store pyphen's parse of the dictionary of each language in PREPARED; the files written.

    A dictionary whose patterns hold pyphen's non-standard hyphenation (values that are not
    plain numbers) is left for pyphen to parse.
    """
    written = []
    for name in sorted({dictionary_name(language) for language in PREPARED} - {""}):
        path = pyphen.LANGUAGES[name]
        parsed = pyphen.HyphDict(path)
        if any(type(value) is not int for _, values in parsed.patterns.values() for value in values):
            continue
        # Equal values are stored once: marshal writes each later one as a reference, so a
        # load makes a tenth of the objects (English: 1.3 ms instead of 5 ms, German 9 instead of 40).
        shared: dict = {}
        patterns = {key: shared.setdefault(value, value) for key, value in parsed.patterns.items()}
        target = _cache_file(path)
        prefixes = frozenset(key[:end] for key in patterns for end in range(1, len(key)))
        kept = prefixes if len(prefixes) <= len(patterns) else None
        prepared.store(target, marshal.dumps((patterns, parsed.maxlen, kept)))
        written.append(target)
    return written


if __name__ == "__main__":
    for file in prepare():
        print(f"prepared {file}")
