"""500 random payloads at the form: never a server error, never a partial submission."""

import pytest
from django.db.models import Count, F, Q
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from campaign.models import DefaultTheme
from core.text import printable
from innovations.forms import new_token
from innovations.models import Innovation, Submission
from organisations.models import Organisation, OrganisationAlias
from tests.factories import make_campaign, make_organisation

pytestmark = pytest.mark.django_db

# Text that stresses the form: control characters, NULs, markup, long runs, odd unicode.
nasty_text = st.one_of(
    st.text(max_size=30),
    st.text(alphabet=st.characters(codec="utf-8"), min_size=0, max_size=80),
    st.sampled_from(["", " ", "\x00", "<script>x</script>", "javascript:alert(1)", "x" * 5001]),
)
plausible_title = st.one_of(nasty_text, st.sampled_from(["Tenant app", "Digital champions"]))
theme = st.one_of(st.sampled_from(DefaultTheme.values), nasty_text)
link = st.one_of(
    st.just(""),
    nasty_text,
    st.sampled_from(["https://example.org/x", "http://a.b", "javascript:alert(1)", "ftp://x.y"]),
)
count_field = st.one_of(st.integers(min_value=-5, max_value=30).map(str), nasty_text, st.just(None))
innovation_fields = st.fixed_dictionaries(
    {"title": plausible_title, "description": nasty_text, "theme": theme, "link": link}
)


valid_innovation = st.fixed_dictionaries(
    {
        "title": st.sampled_from(["Tenant app", "Digital champions", "Repairs by text"]),
        "description": st.sampled_from(["What it does.", "Line one\nline two"]),
        "theme": st.sampled_from(DefaultTheme.values),
        "link": st.sampled_from(["", "https://example.org/x", "example.org"]),
    }
)
VALID = {
    "name": st.just("Asha Patel"),
    "email": st.just("asha@example.org"),
    "organisation": st.sampled_from(["Bromford", "Knightsone", "bromford.", "New Org"]),
    "organisation_choice": st.sampled_from(["", "new"]),
    "role": st.sampled_from(["", "Innovation lead"]),
    "twitter": st.sampled_from(["", "@asha"]),
    "consent": st.just("on"),
    "website": st.just(""),
    "token": st.builds(new_token),
}
NASTY = {
    **dict.fromkeys(VALID, nasty_text),
    "consent": st.sampled_from(["on", "", "yes", "\x00"]),
    "token": st.one_of(st.builds(new_token), nasty_text),
}


@st.composite
def payloads(draw):
    """Half the payloads are well formed (and mostly saved); half are broken somewhere."""
    broken = draw(st.booleans())
    size = draw(st.integers(19, 22) if draw(st.integers(0, 19)) == 0 else st.integers(0, 4))
    fields = st.one_of(valid_innovation, innovation_fields) if broken else valid_innovation
    innovations = [draw(fields) for _ in range(size)]
    data = {
        name: draw(st.one_of(VALID[name], NASTY[name]) if broken else VALID[name]) for name in VALID
    }
    data["innovations-TOTAL_FORMS"] = draw(
        st.one_of(st.just(str(size)), count_field) if broken else st.just(str(size))
    )
    data["innovations-INITIAL_FORMS"] = draw(
        st.one_of(st.just("0"), count_field) if broken else st.just("0")
    )
    for index, fields_ in enumerate(innovations):
        for name, value in fields_.items():
            data[f"innovations-{index}-{name}"] = value
    if broken and draw(st.booleans()):
        # Drop a random key: forms arrive half-filled from scripts and broken clients.
        data.pop(draw(st.sampled_from(sorted(data))))
    return {key: value for key, value in data.items() if value is not None}


@pytest.fixture
def campaign(settings):
    settings.SUBMISSION_RATE_LIMIT = "0"
    bromford = make_organisation(name="Bromford")
    knightstone = make_organisation(name="Knightstone")
    OrganisationAlias.objects.create(organisation=knightstone, name="Knightsone")
    assert bromford.pk
    return make_campaign()


def test_random_payloads_never_5xx_and_never_leave_partial_submissions(client, campaign):
    url = f"/campaigns/{campaign.slug}/submit/"
    statuses = []

    @hypothesis_settings(
        max_examples=500,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(data=payloads())
    def post_random(data):
        response = client.post(url, data)
        statuses.append(response.status_code)
        assert response.status_code < 500, (response.status_code, data)

    post_random()

    assert len(statuses) == 500
    # Some got through and some were refused: the payloads exercise both paths.
    assert statuses.count(303) > 0
    assert statuses.count(400) > 0
    per_submission = Submission.objects.annotate(n=Count("innovations"))
    assert not per_submission.filter(Q(n__lt=1) | Q(n__gt=20)).exists()
    assert not Innovation.objects.exclude(
        campaign=F("submission__campaign"), organisation=F("submission__organisation")
    ).exists()
    saved_text = Innovation.objects.values_list("title", "description", "link")
    assert not any("\x00" in value for row in saved_text for value in row)
    assert not any(printable(value) != value for row in saved_text for value in row)
    assert not Innovation.objects.filter(link__istartswith="javascript").exists()
    assert Organisation.objects.filter(name="").count() == 0
