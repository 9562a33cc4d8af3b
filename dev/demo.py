"""The demo data: the 2014 campaign from ../shared/origin/ and a campaign open now."""

import csv
import io
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone

from campaign.models import Campaign
from campaign.models import DefaultTheme as Theme
from campaign.services import campaign_themes_ensure, theme_for
from core.caching import mark_changed
from innovations.counts import counts_rebuild
from innovations.models import Innovation, Response, Submission
from organisations.models import Organisation, OrganisationAlias, RegisterImport
from organisations.services import register_import

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


# The register (issue 16): the 2014 housing associations (Switchee, a company, is not a
# registered provider) with invented regions and sizes, and invented providers marked
# "(demo)" that did not take part, so reach has something to measure.
REGISTER_FILE = "demo-register.csv"
REGISTER_NOTE = (
    "Demo register: invented for this demo, not the regulator's list. Regions and sizes are "
    "invented; organisations marked (demo) are invented."
)
REGIONS = {
    "A2Dominion": ("London", 36000),
    "Bolton at Home": ("North West", 18000),
    "Bromford": ("West Midlands", 44000),
    "Halton Housing Trust": ("North West", 7000),
    "Herefordshire Housing Association": ("West Midlands", 4000),
    "Knightstone": ("South West", 12000),
    "Muir Group": ("North West", 5000),
    "Orbit Group": ("West Midlands", 40000),
    "Riverside": ("North West", 55000),
    "Salix Homes": ("North West", 8000),
    "Shepherds Bush Housing Association": ("London", 5000),
    "South Liverpool Homes": ("North West", 3800),
    "South Yorkshire Housing Association": ("Yorkshire and the Humber", 6000),
    "Tower Hamlets Homes": ("London", 21000),
    "Trafford Housing Trust": ("North West", 9000),
    "Wolverhampton Homes": ("West Midlands", 22000),
    "Wulvern Housing": ("North West", 5500),
}
INVENTED_PROVIDERS = [
    ("Ashdown Vale Homes (demo)", "South East", 2400),
    ("Brackenfield Housing (demo)", "East Midlands", 900),
    ("Cobble Quay Housing Association (demo)", "North East", 6100),
    ("Downland Living (demo)", "South East", 15200),
    ("Eastmoor Homes (demo)", "Yorkshire and the Humber", 11800),
    ("Fenland Roofs (demo)", "East of England", 3300),
    ("Greyfriars Housing Trust (demo)", "North East", 420),
    ("Harbourside Homes (demo)", "South West", 7700),
    ("Ironbridge Housing Group (demo)", "West Midlands", 31000),
    ("Juniper Lane Homes (demo)", "London", 1250),
    ("Kestrel Housing (demo)", "East Midlands", 5200),
    ("Lantern Homes (demo)", "North West", 650),
    ("Millstone Housing Association (demo)", "Yorkshire and the Humber", 9300),
    ("Northgate Living (demo)", "North East", 2100),
    ("Oakridge Homes (demo)", "South West", 14400),
    ("Pennine Roofs (demo)", "North West", 26000),
    ("Quayside Housing (demo)", "London", 38000),
    ("Riverbank Homes (demo)", "East of England", 4800),
    ("Saltmarsh Housing (demo)", "East of England", 1700),
    ("Thistledown Homes (demo)", "East Midlands", 8800),
    ("Upland Housing Trust (demo)", "South West", 300),
    ("Westbrook Homes (demo)", "South East", 19500),
    ("Yewtree Housing (demo)", "West Midlands", None),
]

# Responses to the 2014 innovations (issue 16): (innovation title, organisation, kind,
# note, confirmed, note approved). Invented, like the people who sent them.
RESPONSES = [
    ("Online skills assessment", "Orbit Group", "wants_to_try", "", True, False),
    ("Online skills assessment", "Knightstone", "wants_to_try", "", True, False),
    (
        "Online skills assessment",
        "Riverside",
        "does_too",
        "Ours runs in our work clubs.",
        True,
        True,
    ),
    ("Be Bromford", "Halton Housing Trust", "does_too", "", True, False),
    ("Be Bromford", "Ashdown Vale Homes (demo)", "wants_to_try", "", True, False),
    ("Digital champions on every estate", "Salix Homes", "does_too", "", True, False),
    ("Digital champions on every estate", "Wulvern Housing", "wants_to_try", "", True, False),
    ("Staff hack days", "Bromford", "wants_to_try", "How did you choose the problems?", True, True),
    ("Staff hack days", "Muir Group", "wants_to_try", "", True, False),
    ("Smart thermostat for social homes", "Bolton at Home", "does_too", "", True, False),
    (
        "Volunteer time bank",
        "Tower Hamlets Homes",
        "wants_to_try",
        "A note waiting for the organiser.",
        True,
        False,
    ),
    ("Community growing spaces", "Eastmoor Homes (demo)", "wants_to_try", "", True, False),
    ("Tenancy sustainment coaching", "Trafford Housing Trust", "does_too", "", False, False),
]


def _register():
    """Import the demo register through the same service as a real one."""
    rows = [(name, "housing_association", *REGIONS[name]) for name in REGIONS]
    rows += [
        (name, "housing_association", region, homes) for name, region, homes in INVENTED_PROVIDERS
    ]
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(["name", "kind", "region", "homes", "website"])
    for name, kind, region, homes in rows:
        writer.writerow([name, kind, region, "" if homes is None else homes, ""])
    # One record of the demo's import, however often the demo is loaded.
    RegisterImport.objects.filter(file_name=REGISTER_FILE, note=REGISTER_NOTE).delete()
    register_import(
        file=io.BytesIO(text.getvalue().encode()), file_name=REGISTER_FILE, note=REGISTER_NOTE
    )


def _responses(campaign):
    innovations = {i.title: i for i in Innovation.objects.filter(campaign=campaign)}
    for n, (title, org_name, kind, note, confirmed, approved) in enumerate(RESPONSES):
        innovation = innovations[title]
        org = Organisation.objects.get(name=org_name)
        at = innovation.created_at + timedelta(hours=2 + n)
        note_status = Response.NoteStatus.NONE
        if note:
            note_status = Response.NoteStatus.APPROVED if approved else Response.NoteStatus.PENDING
        Response.objects.update_or_create(
            innovation=innovation,
            kind=kind,
            email=f"demo+responder-{org.slug}@example.org",
            defaults={
                "organisation": org,
                "organisation_name": org.name,
                "name": f"Demo responder at {org.name}",
                "note": note,
                "note_status": note_status,
                "created_at": at,
                "consented_at": at,
                "confirmed_at": at + timedelta(minutes=10) if confirmed else None,
            },
        )


@transaction.atomic
def load_demo():
    """Create or refresh the demo data; running it twice gives the same rows."""
    orgs = _organisations()
    _register()
    campaigns = [_campaign_2014(orgs), _live_campaign(orgs)]
    # update_or_create skips the services that keep the counts: count afresh.
    counts_rebuild([c.pk for c in campaigns])
    _responses(campaigns[0])
    transaction.on_commit(lambda: mark_changed(*[c.pk for c in campaigns]))
    return campaigns
