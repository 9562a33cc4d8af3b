"""Matching the organisation names people type to the ones we know.

Exact matching ignores case, accents, spacing and punctuation (`match_key`).
Fuzzy matching (rapidfuzz) finds near misses such as "Knightsone Housing" for
Knightstone, so the form can ask "Did you mean Knightstone?" and the admin can
list likely duplicates. Generic words ("housing", "group", "homes"…) are left
out of the fuzzy comparison: they make unrelated names look alike.
"""

import re
import unicodedata
from itertools import combinations

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


def match_key(name):
    """A name reduced for exact comparison: case, accents, spacing and punctuation ignored.

    "Orbit Group", "OrbitGroup" and "orbit-group." all give "orbitgroup".
    """
    text = unicodedata.normalize("NFKD", name or "")
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).casefold()
    text = text.replace("&", "and")
    return re.sub(r"[\W_]+", "", text)


def fuzzy_key(name):
    """Lower-case words without punctuation or generic words, for fuzzy scoring."""
    words = re.findall(r"\w+", match_key_words(name))
    kept = [w for w in words if w not in GENERIC_WORDS]
    return " ".join(kept or words)


def match_key_words(name):
    text = unicodedata.normalize("NFKD", name or "")
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).casefold()
    return re.sub(r"[\W_]+", " ", text.replace("&", " and ")).strip()


def initials(name):
    """'Shepherds Bush Housing Association' -> 'sbha'."""
    return "".join(word[0] for word in match_key_words(name).split())


def similarity(a, b):
    """0–100: how alike two organisation names are, ignoring spacing and generic words.

    An abbreviation scores 90 against the name it abbreviates ("SBHA").
    """
    if match_key(a) == match_key(b):
        return 100.0
    for short, long in ((a, b), (b, a)):
        key = match_key(short)
        if 2 <= len(key) <= 6 and " " not in short.strip() and key == initials(long):
            return 90.0
    ka, kb = fuzzy_key(a), fuzzy_key(b)
    if not ka or not kb:
        return 0.0
    return max(fuzz.ratio(ka, kb), fuzz.ratio(ka.replace(" ", ""), kb.replace(" ", "")))


def closest(name, candidates, *, limit=3, score_cutoff=SIMILAR):
    """The candidates most like `name`, best first, as (candidate, score) pairs.

    `candidates` maps a label (e.g. an organisation or alias name) to any value
    (e.g. the organisation's id); that value is returned with each match.
    """
    if not match_key(name):
        return []
    found = process.extract(
        name,
        list(candidates),
        scorer=lambda q, c, **kw: similarity(q, c),
        processor=None,
        limit=None,
        score_cutoff=score_cutoff,
    )
    best = {}
    for label, score, _index in found:
        value = candidates[label]
        if value not in best or score > best[value]:
            best[value] = score
    ranked = sorted(best.items(), key=lambda item: -item[1])
    return ranked[:limit]


def similar_pairs(names, *, score_cutoff=SIMILAR):
    """Pairs of names that are alike, most alike first: [(a, b, score), …]."""
    pairs = []
    for a, b in combinations(names, 2):
        score = similarity(a, b)
        if score >= score_cutoff:
            pairs.append((a, b, score))
    return sorted(pairs, key=lambda p: -p[2])


# Two innovation titles at or above this are shown as a possible duplicate.
SIMILAR_TITLE = 85


def similar_titles(title, candidates, *, limit=3, score_cutoff=SIMILAR_TITLE):
    """The titles in `candidates` most like `title`, best first: [(key, candidate, score), …].

    `candidates` maps a key (e.g. an innovation's id) to its title. Titles are
    compared as words ignoring case, accents, punctuation and word order, so
    "Skills assessment online" matches "Online skills assessment".
    """
    query = match_key_words(title)
    if not query:
        return []
    choices = {key: match_key_words(text) for key, text in candidates.items()}
    found = process.extract(
        query,
        choices,
        scorer=fuzz.token_sort_ratio,
        processor=None,
        limit=limit,
        score_cutoff=score_cutoff,
    )
    return [(key, candidates[key], score) for _choice, score, key in found]
