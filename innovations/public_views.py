"""The public pages of campaigns and their innovations. Thin: the work is in tally,
collated, charts, badges, exports and feeds; caching is `core.caching.public_page`."""

from django.conf import settings
from django.core.paginator import Paginator
from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Lower, Substr
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from campaign.models import Campaign
from campaign.reading import campaign_or_404
from campaign.themes import public_questions
from core.caching import cached, public_page
from core.http import reading
from core.links import absolute_url
from core.security import allow_framing
from core.timewords import when_words

from . import badges, charts, collated, exports, reach
from .feeds import CampaignFeed
from .models import Innovation, public_organisations
from .tally import as_of_sentence, cached_tally, campaigns_with_counts

LATEST = 6
ORGANISATION_PAGE_SIZE = 60


@reading
def home(request):
    """The site root goes to the open campaign, or the most recent one."""
    campaign = Campaign.objects.current()
    if campaign is None:
        return redirect("campaign:list")
    return redirect(campaign)


def _meta(request, description, *, path=None, og_type="website"):
    """What templates/includes/meta.html needs: description, canonical URL, type."""
    return {
        "meta_description": description,
        "canonical_url": absolute_url(path or request.path),
        "og_type": og_type,
    }


@public_page("campaigns")
def campaign_list(request):
    """All campaigns: open now first, then those coming up, then the archive."""
    now = timezone.now()
    sections = {status: [] for status in Campaign.Status}
    campaigns = campaigns_with_counts()
    for campaign in campaigns:
        sections[campaign.status(now)].append(campaign)
    context = {
        "campaigns": campaigns,
        "sections": [
            ("Open now", sections[Campaign.Status.OPEN]),
            ("Coming up", sections[Campaign.Status.UPCOMING]),
            ("Archive", sections[Campaign.Status.CLOSED]),
        ],
        **_meta(
            request,
            "Every 140in140 campaign: the ones open now, the ones coming up, and the archive.",
        ),
    }
    return render(request, "campaign/campaign_list.html", context)


def _latest(campaign):
    latest = list(
        Innovation.objects.public()
        .for_campaign(campaign)
        .select_related("organisation", "theme")
        .order_by("-created_at", "-pk")[:LATEST]
    )
    for innovation in latest:
        innovation.campaign = campaign  # for its URL, without a query each
    return latest


def _snippets(campaign):
    """HTML for other sites to paste (shown escaped, as code to copy)."""
    title = escape(campaign.title)
    url = absolute_url(campaign.get_absolute_url())
    badge = absolute_url(reverse("campaign:badge", kwargs={"slug": campaign.slug}))
    embed = absolute_url(reverse("campaign:embed", kwargs={"slug": campaign.slug}))
    return {
        "badge_snippet": (f'<a href="{url}"><img src="{badge}" alt="{title}: live tally"></a>'),
        "embed_snippet": (
            f'<iframe src="{embed}" title="{title}: live tally" '
            f'width="340" height="220" loading="lazy"></iframe>'
        ),
    }


@public_page("home")
def campaign_detail(request, slug):
    campaign = campaign_or_404(slug)
    now = timezone.now()
    # The tally, reach and spread in one query on a miss (3 in all with the hourly counts
    # and the latest innovations; the campaign's row is cached until it is edited).
    figures = reach.cached_figures(campaign)
    tally = figures[0]
    counts = charts.cached_hourly_counts(campaign)
    as_of = min(now, campaign.closes_at)
    # Asked only once an edition is published (the count is on the campaign row).
    editions = (
        list(campaign.editions.order_by("-number").only("number", "published_at", "provisional"))
        if campaign.edition_count
        else []
    )
    if campaign.is_open(now):
        description = (
            f"{tally.summary()} so far, toward a target of {campaign.target:,}. "
            f"Share yours before {when_words(campaign.closes_at)}."
        )
    else:
        description = f"{tally.summary()}, toward a target of {campaign.target:,}."
    context = {
        "campaign": campaign,
        "status": campaign.status(now),
        "tally": tally,
        "percent": tally.percent_of(campaign.target),
        "as_of": as_of_sentence(tally, as_of),
        "pace": charts.pace(campaign, counts, now).describe(campaign),
        "latest": cached(f"latest:{campaign.pk}", lambda: _latest(campaign)),
        "editions": editions,
        "time_left": campaign.time_left(now),
        "badge": badges.badge_context(campaign, tally, now),
        **reach.reach_summary(campaign, figures),
        **_snippets(campaign),
        **_meta(request, description),
    }
    return render(request, "campaign/campaign_detail.html", context)


@public_page("list", params=("theme", "q", "page"))
def innovation_list(request, slug):
    campaign = campaign_or_404(slug)
    form = collated.ListFilterForm(request.GET, campaign=campaign)
    theme, words = form.filters()
    page = collated.collated_page(campaign, theme=theme, words=words, page=request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    path = reverse("campaign:innovations", kwargs={"slug": campaign.slug})
    canonical = f"{path}?page={page.number}" if page.number > 1 else path
    context = {
        "campaign": campaign,
        "status": campaign.status(),
        "form": form,
        "page": page,
        "filtered": bool(theme or words),
        "query": query.urlencode(),
        **_meta(
            request,
            f"The innovations shared in {campaign.title}, grouped by organisation, A to Z.",
            path=canonical,
        ),
    }
    return render(request, "campaign/innovation_list.html", context)


@public_page("innovation")
def innovation_detail(request, slug, pk):
    innovation = get_object_or_404(
        Innovation.objects.public().select_related("organisation", "campaign", "theme"),
        campaign__slug=slug,
        pk=pk,
    )
    campaign = innovation.campaign
    picture = innovation.picture_url()
    context = {
        "innovation": innovation,
        # Asked only when the campaign has public questions (their list is cached).
        "answers": list(innovation.answers.filter(question__public=True).select_related("question"))
        if public_questions(campaign)
        else [],
        # An absolute URL (a bucket's already is): other sites fetch it.
        "og_image": (picture if "://" in picture else absolute_url(picture)) if picture else "",
        "campaign": campaign,
        "share_url": absolute_url(innovation.get_absolute_url()),
        "responders": reach.innovation_responders(innovation),
        **_meta(
            request,
            f"{innovation.title}: an innovation from {innovation.organisation.name}, "
            f"shared in {campaign.title}.",
            og_type="article",
        ),
    }
    return render(request, "campaign/innovation_detail.html", context)


@public_page("feed")
def feed(request, slug):
    return CampaignFeed()(request, slug=slug)


def _export(request, slug, export):
    campaign = campaign_or_404(slug)
    theme, words = collated.ListFilterForm(request.GET, campaign=campaign).filters()
    return export(request, campaign, theme=theme, words=words)


@reading
def export_csv(request, slug):
    return _export(request, slug, exports.export_csv)


@reading
def export_json(request, slug):
    return _export(request, slug, exports.export_json)


@public_page("chart", params=("size",))
def chart(request, slug):
    campaign = campaign_or_404(slug)
    now = timezone.now()
    counts = charts.cached_hourly_counts(campaign)
    context = {
        "campaign": campaign,
        # ?size=narrow: drawn 360 wide for phones (the home page's <picture> picks it).
        "chart": charts.chart_context(
            campaign,
            counts,
            now,
            width=charts.NARROW if request.GET.get("size") == "narrow" else charts.WIDTH,
        ),
        "description": charts.pace(campaign, counts, now).describe(campaign),
    }
    return render(request, "campaign/chart.svg", context, content_type="image/svg+xml")


@allow_framing
@public_page("badge")
def badge(request, slug):
    campaign = campaign_or_404(slug)
    context = badges.badge_context(campaign, cached_tally(campaign))
    return render(request, "campaign/badge.svg", context, content_type="image/svg+xml")


@allow_framing
@public_page("embed")
def embed(request, slug):
    campaign = campaign_or_404(slug)
    now = timezone.now()
    tally = cached_tally(campaign)
    context = {
        "campaign": campaign,
        "status": campaign.status(now),
        "tally": tally,
        "percent": tally.percent_of(campaign.target),
        "time_left": campaign.time_left(now),
        **_meta(request, f"{tally.summary()}: the live tally of {campaign.title}."),
    }
    return render(request, "campaign/embed.html", context)


@public_page("organisation", params=("page",))
def organisation_detail(request, slug):
    """An organisation's published innovations across every campaign, newest campaign first."""
    published = Innovation.objects.public().order_by()
    organisation = get_object_or_404(
        # How many it published, in the same query: the pages need the count.
        public_organisations().annotate(
            published=Subquery(
                published.filter(organisation=OuterRef("pk"))
                .values("organisation")
                .annotate(n=Count("pk"))
                .values("n")
            )
        ),
        slug=slug,
    )
    innovations = (
        published.filter(organisation=organisation)
        .select_related("campaign", "theme")
        .annotate(summary=Substr("description", 1, 240))
        .defer("description")
        .order_by("-campaign__opens_at", "campaign_id", Lower("title"), "pk")
    )
    paginator = Paginator(innovations, ORGANISATION_PAGE_SIZE)
    paginator.count = organisation.published or 0  # instead of a COUNT query of its own
    page_obj = paginator.get_page(request.GET.get("page"))
    canonical = organisation.get_absolute_url()
    if page_obj.number > 1:
        canonical += f"?page={page_obj.number}"
    context = {
        "organisation": organisation,
        "page_obj": page_obj,
        **reach.organisation_responses(organisation),
        "meta_description": (
            f"Innovations shared by {organisation.name} in {settings.SITE_NAME} campaigns."
        ),
        "canonical_url": absolute_url(canonical),
    }
    return render(request, "organisations/organisation_detail.html", context)
