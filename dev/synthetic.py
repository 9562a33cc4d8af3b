"""Synthetic campaign data at any size, for the benchmark and for tests of scale.

Rows are made in memory in chunks and written with `bulk_create`, so 100,000
innovations load in well under a minute and memory stays bounded. The text is
plausible social-housing innovations drawn from word lists with a seeded random
generator: the same arguments always give the same data.

`bulk_create` skips `Model.save()`, so this module sets what `save()` would have
set: organisations' `match_key` and `slug`, and each innovation's `campaign` and
`organisation` copied from its submission, and counts the campaign's innovations
afresh (`counts_rebuild`), as the services would have. It writes no
django-simple-history rows (no moderation happened through the app).
"""

import random
from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.db.models import Count
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.text import slugify

from campaign.models import Campaign
from campaign.models import DefaultTheme as Theme
from campaign.services import campaign_themes_ensure
from core.caching import mark_changed
from innovations.counts import counts_rebuild
from innovations.models import Innovation, Response, Submission, innovation_search_text
from organisations.matching import match_key, search_fold
from organisations.models import Organisation

SUBMISSIONS_PER_CHUNK = 1000
BATCH_SIZE = 2000

PLACES = [
    "Ashford",
    "Barnsley",
    "Bath",
    "Bedford",
    "Birkenhead",
    "Blackburn",
    "Bolton",
    "Bradford",
    "Brighton",
    "Bristol",
    "Burnley",
    "Bury",
    "Cambridge",
    "Canterbury",
    "Carlisle",
    "Chester",
    "Colchester",
    "Coventry",
    "Crawley",
    "Croydon",
    "Darlington",
    "Derby",
    "Doncaster",
    "Dudley",
    "Durham",
    "Exeter",
    "Gateshead",
    "Gloucester",
    "Grimsby",
    "Halifax",
    "Harrow",
    "Hastings",
    "Hereford",
    "Huddersfield",
    "Hull",
    "Ipswich",
    "Kendal",
    "Lancaster",
    "Leeds",
    "Leicester",
    "Lewisham",
    "Lincoln",
    "Liverpool",
    "Luton",
    "Maidstone",
    "Manchester",
    "Middlesbrough",
    "Milton",
    "Newcastle",
    "Northampton",
    "Norwich",
    "Nottingham",
    "Oldham",
    "Oxford",
    "Peterborough",
    "Plymouth",
    "Portsmouth",
    "Preston",
    "Reading",
    "Rochdale",
    "Rotherham",
    "Salford",
    "Sheffield",
    "Shrewsbury",
    "Slough",
    "Southampton",
    "Stockport",
    "Sunderland",
    "Swindon",
    "Telford",
    "Torbay",
    "Wakefield",
    "Walsall",
    "Warrington",
    "Wigan",
    "Wirral",
    "Wolverhampton",
    "Worcester",
    "York",
]

SUFFIXES = [
    ("Housing Association", Organisation.Kind.HOUSING_ASSOCIATION),
    ("Homes", Organisation.Kind.HOUSING_ASSOCIATION),
    ("Housing Trust", Organisation.Kind.HOUSING_ASSOCIATION),
    ("Housing Group", Organisation.Kind.HOUSING_ASSOCIATION),
    ("Community Housing", Organisation.Kind.HOUSING_ASSOCIATION),
    ("Living", Organisation.Kind.HOUSING_ASSOCIATION),
    ("Housing Partnership", Organisation.Kind.HOUSING_ASSOCIATION),
    ("Homes Trust", Organisation.Kind.HOUSING_ASSOCIATION),
    ("Tenants Co-operative", Organisation.Kind.HOUSING_ASSOCIATION),
    ("Almshouses", Organisation.Kind.CHARITY),
    ("Foyer", Organisation.Kind.CHARITY),
    ("Community Trust", Organisation.Kind.CHARITY),
    ("City Council Housing", Organisation.Kind.LOCAL_AUTHORITY),
    ("Borough Homes", Organisation.Kind.LOCAL_AUTHORITY),
    ("Housing Services", Organisation.Kind.LOCAL_AUTHORITY),
    ("Smart Homes Ltd", Organisation.Kind.COMPANY),
    ("Repairs Co-operative", Organisation.Kind.OTHER),
    ("Rural Housing", Organisation.Kind.HOUSING_ASSOCIATION),
    ("Independent Living", Organisation.Kind.CHARITY),
    ("Neighbourhoods", Organisation.Kind.HOUSING_ASSOCIATION),
]

IDEAS = {
    Theme.SKILLS_AND_EMPLOYMENT: [
        "Job club",
        "Apprenticeships with our contractors",
        "CV clinic",
        "Work placements in repairs",
        "Enterprise fund",
        "Peer mentoring into work",
        "Volunteering passport",
    ],
    Theme.DIGITAL_INCLUSION: [
        "Digital champions",
        "Free wifi",
        "Tablet loans",
        "Online skills drop-ins",
        "Tech buddies",
        "Device recycling scheme",
        "Silver surfers club",
    ],
    Theme.CUSTOMER_INSIGHT: [
        "Repairs booked by text message",
        "Mystery shopping by residents",
        "Resident scrutiny panel",
        "Real-time repairs tracking",
        "Customer journey mapping",
        "Estate walkabouts on social media",
        "Complaints learning log",
    ],
    Theme.STAFF_LEARNING: [
        "Staff hack days",
        "Virtual learning centre",
        "Job swaps between teams",
        "Mental health first aid training",
        "Housing officers with tablets",
        "Graduate trainee scheme",
    ],
    Theme.HEALTH_AND_WELLBEING: [
        "Community growing spaces",
        "Money advice chat service",
        "Tenancy sustainment coaching",
        "Befriending calls",
        "Community cafe",
        "Volunteer time bank",
        "Walking groups",
    ],
    Theme.HOMES_AND_TECHNOLOGY: [
        "Smart heating trial",
        "Damp sensors",
        "Telecare for independent living",
        "Solar panels",
        "Energy advice visits",
        "Video tenancy sign-ups",
        "Rent account app",
    ],
    Theme.OTHER: [
        "Pop-up estate office",
        "Tool library",
        "Pet-friendly tenancies",
        "Shared bikes",
        "Community noticeboards",
    ],
}

FOR_WHOM = [
    "for older residents",
    "for young people",
    "on every estate",
    "in sheltered schemes",
    "for new tenants",
    "for families",
    "in rural villages",
    "for carers",
    "for people leaving care",
    "run by residents",
    "with local schools",
    "in community centres",
]

WHAT = [
    "We started this after residents told us what was missing.",
    "It began as a small pilot on one estate and is now available everywhere we work.",
    "Residents run it with support from our neighbourhood team.",
    "We built it with a local college and two residents' associations.",
    "It costs little to run and is paid for from savings elsewhere.",
    "Staff volunteered their own time to get it going.",
    "We measured the difference it made before and after.",
]

RESULT = [
    "Over {n} residents have taken part so far.",
    "Arrears fell by {n} per cent among those who took part.",
    "{n} people have moved into work or training.",
    "Satisfaction with the service rose by {n} points.",
    "We now answer {n} per cent of enquiries the same day.",
    "{n} homes have been visited in the first year.",
]

FIRST_NAMES = [
    "Aisha",
    "Alan",
    "Amir",
    "Amy",
    "Ben",
    "Beth",
    "Chloe",
    "Chris",
    "Dan",
    "Deborah",
    "Ellie",
    "Femi",
    "Gareth",
    "Grace",
    "Hannah",
    "Imran",
    "Jack",
    "Jade",
    "Kate",
    "Kwame",
    "Laura",
    "Liam",
    "Maria",
    "Mark",
    "Nadia",
    "Neil",
    "Olivia",
    "Paul",
    "Priya",
    "Rachel",
    "Sam",
    "Sarah",
    "Tom",
    "Yusuf",
    "Zoe",
]
SURNAMES = [
    "Ahmed",
    "Baker",
    "Brown",
    "Clarke",
    "Davies",
    "Evans",
    "Green",
    "Hall",
    "Hughes",
    "Jones",
    "Khan",
    "Lewis",
    "Martin",
    "Morgan",
    "Okafor",
    "Patel",
    "Roberts",
    "Robinson",
    "Shah",
    "Smith",
    "Taylor",
    "Thomas",
    "Walker",
    "Williams",
    "Wilson",
    "Wright",
]
ROLES = [
    "Innovation lead",
    "Neighbourhood officer",
    "Head of customer services",
    "Digital inclusion officer",
    "Tenant involvement manager",
    "Chief executive",
    "Repairs supervisor",
    "",
]


@dataclass(frozen=True)
class Loaded:
    campaign: Campaign
    submissions: int
    innovations: int
    organisations: int
    by_status: dict


class AlreadyLoaded(Exception):
    """The campaign already has submissions: synthetic data goes into a fresh one."""


def organisation_names(count):
    """`count` distinct, plausible organisation names with their kinds, always the same."""
    names = []
    for i in range(count):
        place = PLACES[i % len(PLACES)]
        suffix, kind = SUFFIXES[(i // len(PLACES)) % len(SUFFIXES)]
        round_ = i // (len(PLACES) * len(SUFFIXES))
        name = f"{place} {suffix}" + (f" {round_ + 1}" if round_ else "")
        names.append((name, kind))
    return names


def innovation_text(rng):
    """A title, description and theme for one synthetic innovation."""
    theme = rng.choice(list(IDEAS))
    title = f"{rng.choice(IDEAS[theme])} {rng.choice(FOR_WHOM)}"
    description = "\n\n".join(
        [
            rng.choice(WHAT),
            rng.choice(RESULT).format(n=rng.randint(3, 400)),
            "(Synthetic content made by load_synthetic for testing at scale.)",
        ]
    )
    return title, description, theme


def get_or_create_campaign(slug):
    """The campaign called `slug`; a new one open for its last hour if there is none."""
    campaign = Campaign.objects.filter(slug=slug).first()
    if campaign is None:
        campaign = Campaign.scheduled(
            opens_at=timezone.now() - timedelta(hours=139),
            hours=140,
            title=f"Synthetic campaign {slug}",
            slug=slug,
            intro="Synthetic data for measuring the site at scale.",
            hashtag="140in140",
            participant_noun="housing associations",
            participant_kind=Organisation.Kind.HOUSING_ASSOCIATION,
        )
        campaign.save()
    campaign_themes_ensure(campaign=campaign)
    return campaign


def _by_lower_name(names):
    lowered = [name.lower() for name in names]
    found = Organisation.objects.annotate(lower_name=Lower("name")).filter(lower_name__in=lowered)
    return {org.lower_name: org for org in found}


def ensure_organisations(count):
    """The first `count` synthetic organisations, creating the missing ones in bulk.

    An organisation that already exists under the same name (ignoring case) is reused.
    """
    wanted = organisation_names(count)
    existing = _by_lower_name(name for name, _ in wanted)
    taken_slugs = set(Organisation.objects.values_list("slug", flat=True))
    new = []
    for name, kind in wanted:
        if name.lower() in existing:
            continue
        slug, n = slugify(name), 2
        while slug in taken_slugs:
            slug, n = f"{slugify(name)}-{n}", n + 1
        taken_slugs.add(slug)
        new.append(
            Organisation(
                name=name,
                kind=kind,
                slug=slug,
                match_key=match_key(name),
                search_name=search_fold(name),
            )
        )
    Organisation.objects.bulk_create(new, batch_size=BATCH_SIZE)
    by_name = _by_lower_name(name for name, _ in wanted)
    return [by_name[name.lower()] for name, _ in wanted]


def submission_plan(rng, *, innovations, organisations):
    """(organisation index, number of innovations) per submission.

    Every organisation sends at least one submission; each has 1–5 innovations;
    after that, bigger organisations send more (weights falling with rank).
    """
    plan, remaining, j = [], innovations, 0
    weights = [1 / (rank + 1) ** 0.5 for rank in range(organisations)]
    while remaining:
        still_needed = max(0, organisations - j - 1)
        size = min(rng.randint(1, 5), remaining - still_needed)
        org = j if j < organisations else rng.choices(range(organisations), weights=weights)[0]
        plan.append((org, size))
        remaining -= size
        j += 1
    return plan


def _status(rng):
    roll = rng.random()
    if roll < 0.85:
        return Innovation.Status.APPROVED
    if roll < 0.95:
        return Innovation.Status.PENDING
    return Innovation.Status.REJECTED


def _write_chunk(rng, campaign, orgs, chunk, window):
    start, end = window
    span = (end - start).total_seconds()
    submissions = []
    for org_index, _size in chunk:
        at = start + timedelta(seconds=rng.uniform(0, span))
        first, last = rng.choice(FIRST_NAMES), rng.choice(SURNAMES)
        submissions.append(
            Submission(
                campaign=campaign,
                organisation=orgs[org_index],
                name=f"{first} {last}",
                email=f"{first}.{last}{rng.randint(1, 9999)}@example.org".lower(),
                role=rng.choice(ROLES),
                twitter=f"@{first}{last}"[:16] if rng.random() < 0.3 else "",
                created_at=at,
                consented_at=at,
            )
        )
    Submission.objects.bulk_create(submissions, batch_size=BATCH_SIZE)
    innovations = []
    themes = {theme.slug: theme.pk for theme in campaign.themes.all()}
    for submission, (_org, size) in zip(submissions, chunk, strict=True):
        for i in range(size):
            title, description, theme = innovation_text(rng)
            status = _status(rng)
            created = submission.created_at + timedelta(seconds=i)
            moderated = None
            if status != Innovation.Status.PENDING:
                moderated = min(created + timedelta(minutes=rng.randint(5, 180)), end)
            innovations.append(
                Innovation(
                    submission=submission,
                    campaign_id=submission.campaign_id,
                    organisation_id=submission.organisation_id,
                    title=title,
                    description=description,
                    search_text=innovation_search_text(title, description),
                    theme_id=themes[theme],
                    link=f"https://example.org/innovations/{rng.randint(1, 10**6)}"
                    if rng.random() < 0.4
                    else "",
                    status=status,
                    created_at=created,
                    moderated_at=moderated,
                )
            )
    Innovation.objects.bulk_create(innovations, batch_size=BATCH_SIZE)
    return len(innovations)


REGIONS = [
    "East Midlands",
    "East of England",
    "London",
    "North East",
    "North West",
    "South East",
    "South West",
    "West Midlands",
    "Yorkshire and the Humber",
]
RESPONDED_SHARE = 0.02  # of approved innovations, picked up by 1–3 other organisations


def _register_and_responses(rng, campaign, orgs):
    """Reach and spread at scale (issue 16): the organisations in the register, by region,
    and confirmed "We do this too" / "We'd like to try this" responses between them."""
    for org in orgs:
        org.register = Organisation.Register.LISTED
        org.region = rng.choice(REGIONS)
        org.homes = rng.randint(200, 60000)
    Organisation.objects.bulk_update(orgs, ["register", "region", "homes"], batch_size=BATCH_SIZE)
    if len(orgs) < 2:
        return
    approved = (
        Innovation.objects.for_campaign(campaign)
        .public()
        .values_list("pk", "organisation_id", "created_at")
    )
    responses = []
    for pk, own, created in approved.iterator(chunk_size=BATCH_SIZE):
        if rng.random() >= RESPONDED_SHARE:
            continue
        others = rng.sample(orgs, k=min(3, len(orgs)))
        for n, org in enumerate(o for o in others if o.pk != own):
            at = created + timedelta(hours=1 + n)
            responses.append(
                Response(
                    innovation_id=pk,
                    kind=Response.Kind.DOES_TOO if n % 2 else Response.Kind.WANTS_TO_TRY,
                    organisation=org,
                    organisation_name=org.name,
                    name="Synthetic responder",
                    email=f"responder-{pk}-{n}@example.org",
                    created_at=at,
                    consented_at=at,
                    confirmed_at=at,
                )
            )
    Response.objects.bulk_create(responses, batch_size=BATCH_SIZE)


@transaction.atomic
def load_synthetic(
    *, campaign_slug: str, innovations: int, organisations: int, seed: int = 140
) -> Loaded:
    """Load `innovations` innovations from `organisations` organisations into a campaign.

    The campaign is created (open, in its last hour) if it does not exist; one that
    already has submissions is refused. Submissions are spread over the part of
    the campaign that has happened so far. All or nothing, in one transaction.
    """
    if organisations < 1 or innovations < organisations:
        raise ValueError("Need at least one organisation and one innovation per organisation.")
    rng = random.Random(seed)
    campaign = get_or_create_campaign(campaign_slug)
    if campaign.submissions.exists():
        raise AlreadyLoaded(f"Campaign {campaign_slug!r} already has submissions.")
    orgs = ensure_organisations(organisations)
    window = (campaign.opens_at, min(campaign.closes_at, timezone.now()))
    plan = submission_plan(rng, innovations=innovations, organisations=organisations)
    written = 0
    for first in range(0, len(plan), SUBMISSIONS_PER_CHUNK):
        written += _write_chunk(
            rng, campaign, orgs, plan[first : first + SUBMISSIONS_PER_CHUNK], window
        )
    counts_rebuild([campaign.pk])  # bulk_create skipped the services that keep them
    _register_and_responses(rng, campaign, orgs)
    transaction.on_commit(lambda: mark_changed(campaign.pk))
    by_status = dict(
        Innovation.objects.for_campaign(campaign)
        .values_list("status")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return Loaded(
        campaign=campaign,
        submissions=len(plan),
        innovations=written,
        organisations=organisations,
        by_status=by_status,
    )
