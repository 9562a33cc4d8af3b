"""The URLs the bench measures, shared by the load runs and the query probe."""

BARE_PATH = "/__dev__/bare/"
# Where each page's copy is written as a static file of the same size (through nginx).
SAME_SIZE_DIR = "bench-same-size"


def through_nginx(slug, innovation_id):
    """(label, path, extension) of the pages read through nginx, each beside a static
    file of its own size served by the same nginx."""
    return [
        ("campaign home", f"/campaigns/{slug}/", "html"),
        ("list, first page", f"/campaigns/{slug}/innovations/", "html"),
        ("innovation page", f"/campaigns/{slug}/innovations/{innovation_id}/", "html"),
        ("badge", f"/campaigns/{slug}/badge.svg", "svg"),
    ]


def same_size_path(label, extension):
    """The static path of the file standing in for page `label`."""
    return f"/static/{SAME_SIZE_DIR}/{label.replace(' ', '-').replace(',', '')}.{extension}"


def straight_to_gunicorn(slug):
    """(label, path) of cached pages read from gunicorn itself, each beside BARE_PATH."""
    return [
        ("campaign home", f"/campaigns/{slug}/"),
        ("list, first page", f"/campaigns/{slug}/innovations/"),
        ("badge", f"/campaigns/{slug}/badge.svg"),
    ]


def rush_paths(slug):
    """(the page read during the deadline rush, the form submitted to)."""
    return f"/campaigns/{slug}/", f"/campaigns/{slug}/submit/"


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
