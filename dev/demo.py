"""The demo data: the 2014 campaign from ../shared/origin/ and a campaign open now."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone

from campaign.models import Campaign
from campaign.models import DefaultTheme as Theme
from campaign.services import campaign_themes_ensure, theme_for
from core.caching import mark_changed
from innovations.counts import counts_rebuild
from innovations.models import Innovation, Submission
from organisations.models import Organisation, OrganisationAlias

LONDON = ZoneInfo("Europe/London")
DEMO = "(Demo content: invented for this demo, not from the 2014 campaign.)"

# The 18 organisations of the seed's update, under their proper names, with the
# spellings the seed used as aliases.
ORGANISATIONS = [
    ("A2Dominion", Organisation.Kind.HOUSING_ASSOCIATION, ["A2 Dominion"]),
    ("Bolton at Home", Organisation.Kind.HOUSING_ASSOCIATION, []),
    ("Bromford", Organisation.Kind.HOUSING_ASSOCIATION, ["Bromford Group"]),
    ("Halton Housing Trust", Organisation.Kind.HOUSING_ASSOCIATION, ["Halton Housing"]),
    ("Herefordshire Housing Association", Organisation.Kind.HOUSING_ASSOCIATION, []),
    ("Knightstone", Organisation.Kind.HOUSING_ASSOCIATION, ["Knightsone"]),
    ("Muir Group", Organisation.Kind.HOUSING_ASSOCIATION, []),
    ("Orbit Group", Organisation.Kind.HOUSING_ASSOCIATION, ["OrbitGroup"]),
    ("Riverside", Organisation.Kind.HOUSING_ASSOCIATION, []),
    ("Salix Homes", Organisation.Kind.HOUSING_ASSOCIATION, []),
    (
        "Shepherds Bush Housing Association",
        Organisation.Kind.HOUSING_ASSOCIATION,
        ["SBHA", "Shepherds Bush Housing Association (SBHA)"],
    ),
    ("South Liverpool Homes", Organisation.Kind.HOUSING_ASSOCIATION, []),
    ("South Yorkshire Housing Association", Organisation.Kind.HOUSING_ASSOCIATION, []),
    ("Switchee", Organisation.Kind.COMPANY, []),
    ("Tower Hamlets Homes", Organisation.Kind.HOUSING_ASSOCIATION, []),
    ("Trafford Housing Trust", Organisation.Kind.HOUSING_ASSOCIATION, []),
    ("Wolverhampton Homes", Organisation.Kind.HOUSING_ASSOCIATION, []),
    ("Wulvern Housing", Organisation.Kind.HOUSING_ASSOCIATION, []),
]

# Bromford's innovations, as the seed gives them.
BROMFORD = [
    (
        "Online skills assessment",
        "An online assessment for residents to identify skills they have and match them to jobs and volunteering opportunities.",
        Theme.SKILLS_AND_EMPLOYMENT,
    ),
    (
        "Bromford Deal",
        "A complete overhaul of our service offer to focus on skills and aspirations rather than moving people into homes and leaving them.",
        Theme.SKILLS_AND_EMPLOYMENT,
    ),
    (
        "Be Bromford",
        "A new virtual learning centre for colleagues to increase skills that will hopefully benefit customers.",
        Theme.STAFF_LEARNING,
    ),
    (
        "Brombox and Performance Hub",
        "A way for residents to feed back on service and receive performance updates in infographic format.",
        Theme.CUSTOMER_INSIGHT,
    ),
]

# Invented innovations (plainly marked as demo content), 49 of them, so that the
# 2014 campaign has the seed's 53 innovations from 18 organisations.
INVENTED = {
    "A2Dominion": [
        ("Digital champions on every estate", Theme.DIGITAL_INCLUSION),
        ("Repairs booked by text message", Theme.CUSTOMER_INSIGHT),
        ("Apprenticeships with our contractors", Theme.SKILLS_AND_EMPLOYMENT),
    ],
    "Bolton at Home": [
        ("Community growing spaces", Theme.HEALTH_AND_WELLBEING),
        ("Tenant-led film club for isolated residents", Theme.HEALTH_AND_WELLBEING),
        ("Free wifi in sheltered schemes", Theme.DIGITAL_INCLUSION),
    ],
    "Halton Housing Trust": [
        ("Online-first customer service", Theme.DIGITAL_INCLUSION),
        ("Tablet loans for new tenants", Theme.DIGITAL_INCLUSION),
        ("Staff hack days", Theme.STAFF_LEARNING),
        ("Rent account app", Theme.HOMES_AND_TECHNOLOGY),
    ],
    "Herefordshire Housing Association": [
        ("Rural job club on wheels", Theme.SKILLS_AND_EMPLOYMENT),
        ("Village digital drop-ins", Theme.DIGITAL_INCLUSION),
    ],
    "Knightstone": [
        ("Tenancy sustainment coaching", Theme.HEALTH_AND_WELLBEING),
        ("Mystery shopping by residents", Theme.CUSTOMER_INSIGHT),
        ("Energy advice visits", Theme.HOMES_AND_TECHNOLOGY),
    ],
    "Muir Group": [
        ("Older people's tech buddies", Theme.DIGITAL_INCLUSION),
        ("Video tenancy sign-ups", Theme.HOMES_AND_TECHNOLOGY),
        ("Resident-run community cafe", Theme.HEALTH_AND_WELLBEING),
    ],
    "Orbit Group": [
        ("Customer panel online", Theme.CUSTOMER_INSIGHT),
        ("Money advice chat service", Theme.HEALTH_AND_WELLBEING),
        ("Graduate trainee scheme", Theme.STAFF_LEARNING),
        ("Smart heating trial", Theme.HOMES_AND_TECHNOLOGY),
    ],
    "Riverside": [
        ("Work clubs in community centres", Theme.SKILLS_AND_EMPLOYMENT),
        ("Real-time repairs tracking", Theme.CUSTOMER_INSIGHT),
        ("Homeless pathway app", Theme.HEALTH_AND_WELLBEING),
    ],
    "Salix Homes": [
        ("Estate walkabouts on Twitter", Theme.CUSTOMER_INSIGHT),
        ("Young people's enterprise fund", Theme.SKILLS_AND_EMPLOYMENT),
        ("Housing officers with tablets", Theme.STAFF_LEARNING),
    ],
    "Shepherds Bush Housing Association": [
        ("Volunteer time bank", Theme.HEALTH_AND_WELLBEING),
        ("Resident scrutiny of complaints", Theme.CUSTOMER_INSIGHT),
    ],
    "South Liverpool Homes": [
        ("Digital inclusion hub", Theme.DIGITAL_INCLUSION),
        ("Youth apprenticeships in repairs", Theme.SKILLS_AND_EMPLOYMENT),
        ("Customer journey mapping", Theme.CUSTOMER_INSIGHT),
    ],
    "South Yorkshire Housing Association": [
        ("Telecare for independent living", Theme.HOMES_AND_TECHNOLOGY),
        ("Mental health first aid for staff", Theme.STAFF_LEARNING),
        ("Peer mentoring into work", Theme.SKILLS_AND_EMPLOYMENT),
    ],
    "Switchee": [
        ("Smart thermostat for social homes", Theme.HOMES_AND_TECHNOLOGY),
        ("Fuel poverty alerts", Theme.HOMES_AND_TECHNOLOGY),
    ],
    "Tower Hamlets Homes": [
        ("Estate improvement votes online", Theme.CUSTOMER_INSIGHT),
        ("Leaseholder portal", Theme.DIGITAL_INCLUSION),
        ("Caretakers as community connectors", Theme.HEALTH_AND_WELLBEING),
    ],
    "Trafford Housing Trust": [
        ("Social enterprise incubator", Theme.SKILLS_AND_EMPLOYMENT),
        ("Innovation lab for staff ideas", Theme.STAFF_LEARNING),
        ("Neighbourhood data dashboards", Theme.CUSTOMER_INSIGHT),
    ],
    "Wolverhampton Homes": [
        ("Digital skills bus", Theme.DIGITAL_INCLUSION),
        ("Self-service repairs kiosk", Theme.HOMES_AND_TECHNOLOGY),
    ],
    "Wulvern Housing": [
        ("Tenant-designed newsletters", Theme.CUSTOMER_INSIGHT),
        ("Pop-up job shop", Theme.SKILLS_AND_EMPLOYMENT),
        ("Cheshire digital day", Theme.DIGITAL_INCLUSION),
    ],
}

# The campaign open now: a handful in every status.
LIVE = [
    ("Bromford", "Neighbourhood coaches", Theme.HEALTH_AND_WELLBEING, Innovation.Status.APPROVED),
    (
        "Bromford",
        "Lab for testing service ideas with customers",
        Theme.CUSTOMER_INSIGHT,
        Innovation.Status.APPROVED,
    ),
    (
        "Halton Housing Trust",
        "Digital by choice tenancy",
        Theme.DIGITAL_INCLUSION,
        Innovation.Status.APPROVED,
    ),
    (
        "Orbit Group",
        "Repairs video diagnosis",
        Theme.HOMES_AND_TECHNOLOGY,
        Innovation.Status.APPROVED,
    ),
    (
        "Riverside",
        "Employment support via WhatsApp",
        Theme.SKILLS_AND_EMPLOYMENT,
        Innovation.Status.PENDING,
    ),
    ("Switchee", "Damp and mould sensors", Theme.HOMES_AND_TECHNOLOGY, Innovation.Status.PENDING),
    ("Knightstone", "Staff reverse mentoring", Theme.STAFF_LEARNING, Innovation.Status.PENDING),
    ("Salix Homes", "Buy our stuff (a test post)", Theme.OTHER, Innovation.Status.REJECTED),
]


def _organisations():
    by_name = {}
    for name, kind, aliases in ORGANISATIONS:
        org = Organisation.objects.filter(name__iexact=name).first() or Organisation(name=name)
        org.kind = kind
        org.save()
        for alias in aliases:
            OrganisationAlias.objects.update_or_create(name=alias, defaults={"organisation": org})
        by_name[name] = org
    return by_name


def _submission(campaign, org, created_at):
    slug = org.slug
    submission, _ = Submission.objects.update_or_create(
        campaign=campaign,
        organisation=org,
        email=f"demo+{slug}@example.org",
        # Every demo submitter ticked the consent box as they sent it, as the form requires.
        defaults={
            "name": f"Demo submitter at {org.name}",
            "created_at": created_at,
            "consented_at": created_at,
        },
    )
    return submission


def _innovation(submission, title, description, theme, status, created_at):
    theme = theme_for(submission.campaign, theme)
    Innovation.objects.update_or_create(
        campaign=submission.campaign,
        title=title,
        defaults={
            "submission": submission,
            "organisation": submission.organisation,
            "description": description,
            "theme": theme,
            "status": status,
            "created_at": created_at,
        },
    )


def _campaign_2014(orgs):
    opens_at = datetime(2014, 6, 30, 8, 59, tzinfo=LONDON)
    as_of = datetime(2014, 7, 3, 16, 0, tzinfo=LONDON)  # the seed's update: 53 by then
    campaign = Campaign.scheduled(opens_at=opens_at, hours=140)
    campaign, _ = Campaign.objects.update_or_create(
        slug="140in140-2014",
        defaults={
            "title": "140 innovations in 140 hours",
            "intro": (
                "To prove a point and share some great innovations from the UK housing sector: "
                "140 pieces of innovation from social housing organisations in 140 hours."
            ),
            "target": 140,
            "hashtag": "140in140",
            "opens_at": campaign.opens_at,
            "closes_at": campaign.closes_at,
            "participant_noun": "housing associations",
            "participant_kind": Organisation.Kind.HOUSING_ASSOCIATION,
        },
    )
    campaign_themes_ensure(campaign=campaign)
    entries = [("Bromford", title, desc, theme) for title, desc, theme in BROMFORD]
    for org_name, items in INVENTED.items():
        for title, theme in items:
            desc = f"{title}: an idea from {org_name} to share with the sector.\n\n{DEMO}"
            entries.append((org_name, title, desc, theme))
    span = (as_of - opens_at) / len(entries)
    for i, (org_name, title, desc, theme) in enumerate(entries):
        created = opens_at + span * (i + 0.5)
        submission = _submission(campaign, orgs[org_name], opens_at + span * 0.5)
        _innovation(submission, title, desc, theme, Innovation.Status.APPROVED, created)
    return campaign


def _live_campaign(orgs):
    now = timezone.now().replace(second=0, microsecond=0)
    campaign = Campaign.scheduled(opens_at=now - timedelta(hours=5), hours=140)
    campaign, _ = Campaign.objects.update_or_create(
        slug="housing-innovation-now",
        defaults={
            "title": "140 innovations in 140 hours: the sequel",
            "intro": "Share what your organisation is doing differently. Send as many as you like in one go.",
            "target": 140,
            "hashtag": "140in140",
            "opens_at": campaign.opens_at,
            "closes_at": campaign.closes_at,
            "participant_noun": "housing associations",
            "participant_kind": Organisation.Kind.HOUSING_ASSOCIATION,
        },
    )
    campaign_themes_ensure(campaign=campaign)
    for i, (org_name, title, theme, status) in enumerate(LIVE):
        created = campaign.opens_at + timedelta(minutes=25 * (i + 1))
        submission = _submission(campaign, orgs[org_name], created)
        desc = f"{title}: what we did and what we learnt.\n\n{DEMO}"
        _innovation(submission, title, desc, theme, status, created)
    return campaign


@transaction.atomic
def load_demo():
    """Create or refresh the demo data; running it twice gives the same rows."""
    orgs = _organisations()
    campaigns = [_campaign_2014(orgs), _live_campaign(orgs)]
    # update_or_create skips the services that keep the counts: count afresh.
    counts_rebuild([c.pk for c in campaigns])
    transaction.on_commit(lambda: mark_changed(*[c.pk for c in campaigns]))
    return campaigns
