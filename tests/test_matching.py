import time

import pytest
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from rapidfuzz import process

from dev.synthetic import organisation_names
from organisations.matching import closest, match_key, similar_owners, similarity


def similar_pairs(names, **options):
    """Pairs of alike names, each name its own owner: [(a, b, score), …], most alike first."""
    labelled = [(name, index) for index, name in enumerate(names)]
    return [(a, b, score) for _i, _j, score, a, b in similar_owners(labelled, **options)]


@pytest.mark.parametrize(
    ("typed", "known"),
    [
        ("Knightsone Housing", "Knightstone"),
        ("Knightsone", "Knightstone"),
        ("Bromfrod", "Bromford"),
        ("SBHA", "Shepherds Bush Housing Association"),
        ("OrbitGroup", "Orbit Group"),
    ],
)
def test_near_misses_are_similar(typed, known):
    assert similarity(typed, known) >= 85


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Halton Housing Trust", "Trafford Housing Trust"),
        ("Salix Homes", "South Liverpool Homes"),
        ("Muir Group", "Orbit Group"),
        ("Halton Housing", "Herefordshire Housing"),
    ],
)
def test_names_sharing_only_generic_words_are_not_similar(a, b):
    assert similarity(a, b) < 85


def test_closest_returns_each_organisation_once_best_first():
    candidates = {"Knightstone": 1, "Knightsone": 1, "Orbit Group": 2, "Bromford": 3}
    assert closest("Knightsone Housing", candidates) == [(1, 100.0)]
    assert closest("Nothing Like It", candidates) == []
    assert closest("   ", candidates) == []


def test_similar_pairs():
    pairs = similar_pairs(["Knightstone", "Knightsone Housing", "Orbit Group", "Bolton at Home"])
    assert [(a, b) for a, b, _ in pairs] == [("Knightstone", "Knightsone Housing")]


# The matcher finds candidates at C speed and scores only those in Python. These
# references are the plain definitions it must agree with: every pair, every candidate.
def all_pairs_reference(names, score_cutoff=85):
    pairs = [
        (a, b, similarity(a, b))
        for i, a in enumerate(names)
        for b in names[i + 1 :]
        if similarity(a, b) >= score_cutoff
    ]
    return sorted(pairs, key=lambda p: -p[2])


def closest_reference(name, candidates, limit=3, score_cutoff=85):
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
    return sorted(best.items(), key=lambda item: -item[1])[:limit]


WORDS = [
    "Knightstone",
    "Knightsone",
    "Knight",
    "Stone",
    "Bromford",
    "Bromfrod",
    "Orbit",
    "OrbitGroup",
    "SBHA",
    "Shepherds",
    "Bush",
    "Housing",
    "Association",
    "Group",
    "Homes",
    "the",
    "&",
    "Ltd.",
    "Salix",
    "Bolton",
    "at",
    "Home",
    "Émile",
    "Emile",
    "-",
    "!!",
    "HA",
    "BH",
]
name_text = st.lists(st.sampled_from(WORDS), min_size=0, max_size=4).map(" ".join)


@hypothesis_settings(max_examples=200, deadline=None)
@given(
    names=st.lists(name_text, max_size=25),
    score_cutoff=st.sampled_from([0, 50, 85, 90, 100]),
)
def test_similar_pairs_agrees_with_comparing_every_pair(names, score_cutoff):
    assert similar_pairs(names, score_cutoff=score_cutoff) == all_pairs_reference(
        names, score_cutoff
    )


@hypothesis_settings(max_examples=200, deadline=None)
@given(
    name=name_text,
    labels=st.lists(name_text, max_size=25, unique=True),
    score_cutoff=st.sampled_from([50, 85, 90]),
)
def test_closest_agrees_with_scoring_every_candidate(name, labels, score_cutoff):
    candidates = {label: i % 7 for i, label in enumerate(labels)}
    expected = closest_reference(name, candidates, score_cutoff=score_cutoff)
    assert closest(name, candidates, score_cutoff=score_cutoff) == expected


def test_similar_pairs_of_1500_organisations_takes_well_under_a_second():
    # About the number of UK housing associations. Comparing every pair in Python
    # (1.1 million calls of similarity) took over a minute; the limit leaves room
    # for a busy machine.
    names = [name for name, _kind in organisation_names(1500)]
    started = time.perf_counter()
    pairs = similar_pairs(names)
    assert time.perf_counter() - started < 5
    assert ("Bristol Housing Association", "Bristol Homes", 100.0) in pairs


def test_closest_among_1500_organisations_is_quick():
    candidates = {name: i for i, (name, _kind) in enumerate(organisation_names(1500))}
    started = time.perf_counter()
    for _ in range(20):
        found = closest("Bristl Housing Association", candidates)
    assert (time.perf_counter() - started) / 20 < 0.05
    assert [score for _value, score in found] == [pytest.approx(92.3, abs=0.1)] * 3


def test_similar_owners_pairs_organisations_by_name_or_alias():
    labelled = [
        ("Knightstone", 1),
        ("Knightsone Housing", 2),
        ("Sovereign", 3),
        ("Spectrum Housing Group", 4),
        ("Knightstone HA", 1),  # its own alias: never a pair with itself
        ("Spectrum Housing", 3),  # Sovereign's alias, alike Spectrum's name
        ("KNIGHTSTONE", 2),  # equal to 1's name: the best reason to pair 1 and 2
    ]
    assert similar_owners(labelled) == [
        (1, 2, 100.0, "Knightstone", "KNIGHTSTONE"),
        (3, 4, 100.0, "Spectrum Housing", "Spectrum Housing Group"),
    ]
