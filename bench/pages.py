"""The URLs the bench measures, shared by the load runs and the query probe."""

STATIC_PATH = "/static/css/site.css"
BARE_PATH = "/__dev__/bare/"


def measured(slug, innovation_id):
    """(label, path) of every page driven with wrk; each is paired with a run of BARE_PATH."""
    return [
        ("static file", STATIC_PATH),
        ("campaign home", f"/campaigns/{slug}/"),
        ("list, first page", f"/campaigns/{slug}/innovations/"),
        ("innovation page", f"/campaigns/{slug}/innovations/{innovation_id}/"),
        ("badge", f"/campaigns/{slug}/badge.svg"),
    ]


def public(slug, innovation_id, organisation_slug, busiest_page=1):
    """(label, path) of every public page whose SQL queries are counted."""
    return [
        ("campaign home", f"/campaigns/{slug}/"),
        ("list, first page", f"/campaigns/{slug}/innovations/"),
        ("list, busiest organisation", f"/campaigns/{slug}/innovations/?page={busiest_page}"),
        ("innovation page", f"/campaigns/{slug}/innovations/{innovation_id}/"),
        ("badge", f"/campaigns/{slug}/badge.svg"),
        ("feed", f"/campaigns/{slug}/feed/"),
        ("chart", f"/campaigns/{slug}/chart.svg"),
        ("embed", f"/campaigns/{slug}/embed/"),
        ("organisation page", f"/organisations/{organisation_slug}/"),
        ("campaigns", "/campaigns/"),
    ]


def conditional(slug):
    """(label, path) of the pages that must answer 304 when unchanged."""
    return [
        ("campaign home (tally)", f"/campaigns/{slug}/"),
        ("list", f"/campaigns/{slug}/innovations/"),
        ("feed", f"/campaigns/{slug}/feed/"),
        ("badge", f"/campaigns/{slug}/badge.svg"),
    ]
