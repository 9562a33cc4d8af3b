"""Matching the organisation names people type to the ones we know.

Exact matching ignores case, accents, spacing and punctuation (`match_key`).
Fuzzy matching (rapidfuzz) finds near misses such as "Knightsone Housing" for
Knightstone, so the form can ask "Did you mean Knightstone?" and the admin can
list likely duplicates. Generic words ("housing", "group", "homes"…) are left
out of the fuzzy comparison: they make unrelated names look alike. But a typo in a
generic word must not hide a match: names of the same words, in order, each the same or
a near miss ("Salix Homez" for Salix Homes, "Muir Grp" for Muir Group), are alike too
(`_word_by_word`), as long as the distinctive words are (nearly) the same.
"""

import re
import unicodedata
from collections import defaultdict
from functools import lru_cache
from typing import NamedTuple

from rapidfuzz import fuzz, process

# Scores are 0–100. At or above this, two names are offered as "did you mean".
SIMILAR = 85

GENERIC_WORDS = {
    "housing",
    "association",
    "group",
    "homes",
    "home",
    "trust",
    "ltd",
    "limited",
    "the",
    "and",
    "plc",
    "cic",
    "ha",
}


def _folded(name):
    """Case and accents removed: "Émile" gives "emile"."""
    text = unicodedata.normalize("NFKD", name or "")
    return "".join(ch for ch in text if not unicodedata.combining(ch)).casefold()


HYPHENS = "-\u2010\u2011\u2012\u2013"  # hyphen-minus, hyphen, non-breaking, figure, en dash


def search_fold(text):
    """Text as search compares it, the same on SQLite and PostgreSQL: case and accents
    removed, and each hyphenated word both split and joined ("Wi-Fi" gives "wi fi wifi"),
    so "café", "CAFÉ" and "cafe", or "wi-fi", "wifi" and "wi fi", find each other."""
    words = []
    for word in _folded(text).split():
        if any(hyphen in word for hyphen in HYPHENS):
            parts = re.split(f"[{HYPHENS}]+", word)
            words.extend(part for part in parts if part)
            words.append("".join(parts))
        else:
            words.append(word)
    return " ".join(words)


def search_words(query):
    """The words of a search box, folded like `search_fold`; a hyphenated word is joined."""
    folded = _folded(query)
    return [re.sub(f"[{HYPHENS}]+", "", word) for word in folded.split() if word.strip(HYPHENS)]


def match_key(name):
    """A name reduced for exact comparison: case, accents, spacing and punctuation ignored.

    "Orbit Group", "OrbitGroup" and "orbit-group." all give "orbitgroup".
    """
    return re.sub(r"[\W_]+", "", _folded(name).replace("&", "and"))


def fuzzy_key(name):
    """Lower-case words without punctuation or generic words, for fuzzy scoring."""
    words = re.findall(r"\w+", match_key_words(name))
    kept = [w for w in words if w not in GENERIC_WORDS]
    return " ".join(kept or words)


def match_key_words(name):
    """Like `match_key`, but the words stay apart: "Orbit-Group." gives "orbit group"."""
    return re.sub(r"[\W_]+", " ", _folded(name).replace("&", " and ")).strip()


def initials(name):
    """'Shepherds Bush Housing Association' -> 'sbha'."""
    return "".join(word[0] for word in match_key_words(name).split())


class _Keys(NamedTuple):
    """What `similarity` compares, worked out once per name."""

    exact: str  # match_key
    initials: str  # "sbha" for Shepherds Bush Housing Association
    abbreviation: str  # the match_key of a one-word name of 2–6 characters, else ""
    fuzzy: str  # fuzzy_key
    squashed: str  # fuzzy_key without spaces
    words: str  # match_key_words: every word, generic ones included


# Word by word: a distinctive word must be this close to its counterpart, a generic one
# ("homes", "group") only this close, or written without some of its letters ("grp").
NEAR_WORD = 85
NEAR_GENERIC_WORD = 70


def _shortened(short, word):
    """'grp' for 'group': the same first letter and the rest in order, two letters or more."""
    if len(short) < 2 or len(short) >= len(word) or short[0] != word[0]:
        return False
    letters = iter(word)
    return all(letter in letters for letter in short)


def _distinctive_places(keys):
    """(how many words, where, the word) for each distinctive word of a name: two names
    `_word_by_word` can score share at least one."""
    words = keys.words.split()
    if len(words) < 2:
        return []
    return [(len(words), i, word) for i, word in enumerate(words) if word not in GENERIC_WORDS]


def _word_by_word(a, b):
    """0–100: the mean closeness of the names' words taken in order, or 0 unless the
    names have as many words, every word is near its counterpart (see NEAR_WORD) and
    at least one distinctive word is the same in both."""
    words_a, words_b = a.words.split(), b.words.split()
    if len(words_a) != len(words_b) or len(words_a) < 2:
        return 0.0
    scores = []
    for x, y in zip(words_a, words_b, strict=True):
        score = fuzz.ratio(x, y)
        generic = x in GENERIC_WORDS or y in GENERIC_WORDS
        if generic and (_shortened(x, y) or _shortened(y, x)):
            score = max(score, NEAR_GENERIC_WORD)
        if score < (NEAR_GENERIC_WORD if generic else NEAR_WORD):
            return 0.0
        scores.append(score)
    shared = any(x == y and x not in GENERIC_WORDS for x, y in zip(words_a, words_b, strict=True))
    if not shared:
        return 0.0  # "Hope Group" is not "Home Group": a distinctive word must be the same
    return sum(scores) / len(scores)


@lru_cache(maxsize=8192)
def _keys(name):
    exact, fuzzy = match_key(name), fuzzy_key(name)
    could_abbreviate = 2 <= len(exact) <= 6 and " " not in (name or "").strip()
    return _Keys(
        exact=exact,
        initials=initials(name),
        abbreviation=exact if could_abbreviate else "",
        fuzzy=fuzzy,
        squashed=fuzzy.replace(" ", ""),
        words=match_key_words(name),
    )


def _score(a, b):
    if a.exact == b.exact:
        return 100.0
    if (a.abbreviation and a.abbreviation == b.initials) or (
        b.abbreviation and b.abbreviation == a.initials
    ):
        return 90.0
    by_words = _word_by_word(a, b)
    if not a.fuzzy or not b.fuzzy:
        return by_words
    return max(fuzz.ratio(a.fuzzy, b.fuzzy), fuzz.ratio(a.squashed, b.squashed), by_words)


def similarity(a, b):
    """0–100: how alike two organisation names are, ignoring spacing and generic words.

    An abbreviation scores 90 against the name it abbreviates ("SBHA"); a near miss in
    any word, generic ones included, scores the mean of its words ("Muir Grp" 87).
    """
    return _score(_keys(a), _keys(b))


class _Index:
    """Names prepared for finding the ones near a name without scoring every one in Python.

    Equal keys and abbreviations are looked up in dicts; fuzzy scores are computed by
    rapidfuzz over the whole list at C speed with a score cutoff. What comes back is a
    superset of the names `similarity` puts at or above the cutoff: the caller scores
    those few with `_score`, so results are exactly `similarity`'s.
    """

    def __init__(self, names):
        self.keys = [_keys(name) for name in names]
        self.by_exact = defaultdict(list)
        self.by_initials = defaultdict(list)
        self.by_abbreviation = defaultdict(list)
        for i, keys in enumerate(self.keys):
            self.by_exact[keys.exact].append(i)
            self.by_initials[keys.initials].append(i)
            if keys.abbreviation:
                self.by_abbreviation[keys.abbreviation].append(i)
        # `_word_by_word` needs a distinctive word in the same place of a name as long.
        self.by_word = defaultdict(list)
        for i, keys in enumerate(self.keys):
            for place in _distinctive_places(keys):
                self.by_word[place].append(i)
        self.fuzzy = [keys.fuzzy for keys in self.keys]
        self.squashed = [keys.squashed for keys in self.keys]

    def near(self, query, score_cutoff, *, start=0):
        """Indexes (from `start` on) of the names that may score `score_cutoff` against `query`."""
        found = set(self.by_exact.get(query.exact, ()))
        if query.abbreviation:
            found.update(self.by_initials.get(query.abbreviation, ()))
        found.update(self.by_abbreviation.get(query.initials, ()))
        for place in _distinctive_places(query):
            found.update(self.by_word.get(place, ()))
        found = {i for i in found if i >= start}
        # A hair under the cutoff: the exact score is recomputed by the caller.
        cutoff = max(0.0, score_cutoff - 0.01)
        for text, choices in ((query.fuzzy, self.fuzzy), (query.squashed, self.squashed)):
            matches = process.extract(
                text,
                choices[start:],
                scorer=fuzz.ratio,
                processor=None,
                limit=None,
                score_cutoff=cutoff,
            )
            found.update(start + i for _choice, _score, i in matches)
        return sorted(found)


def closest(name, candidates, *, limit=3, score_cutoff=SIMILAR):
    """The candidates most like `name`, best first, as (candidate, score) pairs.

    `candidates` maps a label (e.g. an organisation or alias name) to any value
    (e.g. the organisation's id); that value is returned with each match.
    """
    query = _keys(name)
    if not query.exact:
        return []
    labels = list(candidates)
    index = _Index(labels)
    scored = [(labels[i], _score(query, index.keys[i])) for i in index.near(query, score_cutoff)]
    best = {}
    for label, score in sorted(scored, key=lambda item: -item[1]):
        if score < score_cutoff:
            continue
        value = candidates[label]
        if value not in best or score > best[value]:
            best[value] = score
    ranked = sorted(best.items(), key=lambda item: -item[1])
    return ranked[:limit]


def _scored_pairs(names, score_cutoff):
    """(i, j, score) for each pair of indexes i < j scoring at least `score_cutoff`, by i then j."""
    index = _Index(names)
    for i, keys in enumerate(index.keys):
        for j in index.near(keys, score_cutoff, start=i + 1):
            score = _score(keys, index.keys[j])
            if score >= score_cutoff:
                yield i, j, score


def similar_owners(labelled, *, score_cutoff=SIMILAR):
    """Pairs of owners with alike labels, most alike first.

    `labelled` is a list of (label, owner): an organisation's name and each of its
    aliases, each with the organisation. Returns [(first, second, score, first_label,
    second_label), …], one row a pair of different owners with their most alike labels
    (the earlier-listed labels on a tie); `first` is the owner listed earlier.
    """
    labelled = list(labelled)
    order = {}
    for _label, owner in labelled:
        order.setdefault(owner, len(order))
    best = {}
    for i, j, score in _scored_pairs([label for label, _owner in labelled], score_cutoff):
        (label_a, a), (label_b, b) = labelled[i], labelled[j]
        if a == b:
            continue
        if order[a] > order[b]:
            (label_a, a), (label_b, b) = (label_b, b), (label_a, a)
        if (a, b) not in best or score > best[a, b][2]:
            best[a, b] = (a, b, score, label_a, label_b)
    return sorted(best.values(), key=lambda row: -row[2])


def closest_each(names, candidates, *, limit=3, score_cutoff=SIMILAR):
    """`closest(name, candidates)` for each of `names`, preparing the candidates once.

    For many names against the same candidates (a register of thousands of rows
    against the organisations already known): {name: [(value, score), …]}, with only
    the names that have a match.
    """
    labels = list(candidates)
    if not labels:
        return {}
    index = _Index(labels)
    found = {}
    for name in names:
        query = _keys(name)
        if not query.exact:
            continue
        best = {}
        for i in index.near(query, score_cutoff):
            score = _score(query, index.keys[i])
            value = candidates[labels[i]]
            if score >= score_cutoff and score > best.get(value, -1):
                best[value] = score
        if best:
            found[name] = sorted(best.items(), key=lambda item: -item[1])[:limit]
    return found
