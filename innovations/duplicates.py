"""Possible duplicates: innovations in a campaign whose titles are very alike."""

from rapidfuzz import fuzz, process

from organisations.matching import match_key_words

# Two innovation titles at or above this are shown as a possible duplicate.
SIMILAR_TITLE = 85


def title_choices(candidates):
    """`candidates` (key -> title) prepared for `similar_titles`, to reuse over many titles."""
    return {key: match_key_words(text) for key, text in candidates.items()}


def similar_titles(title, candidates, *, limit=3, score_cutoff=SIMILAR_TITLE, prepared=None):
    """The titles in `candidates` most like `title`, best first: [(key, candidate, score), …].

    `candidates` maps a key (e.g. an innovation's id) to its title. Titles are
    compared as words ignoring case, accents, punctuation and word order, so
    "Skills assessment online" matches "Online skills assessment". `prepared` is
    `title_choices(candidates)`, when comparing many titles with the same candidates.
    """
    query = match_key_words(title)
    if not query:
        return []
    choices = prepared if prepared is not None else title_choices(candidates)
    found = process.extract(
        query,
        choices,
        scorer=fuzz.token_sort_ratio,
        processor=None,
        limit=limit,
        score_cutoff=score_cutoff,
    )
    return [(key, candidates[key], score) for _choice, score, key in found]
