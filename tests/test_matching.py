import pytest

from organisations.matching import closest, similar_pairs, similarity


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
