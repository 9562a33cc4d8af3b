"""The public pages of a campaign. Thin: the work is in tally, collated, charts, badges."""

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django.views.generic import ListView

from config.security import allow_framing
from innovations.models import Innovation

from . import badges, charts, collated, exports
from .caching import MINUTE, STATUS, TIMEOUT, cached, campaign_for, public_page
from .feeds import CampaignFeed
from .freshness import site_version
from .models import Campaign
from .tally import as_of_sentence, cached_tally
from .timewords import when_words

LATEST = 6


def home(request):
    """The site root goes to the open campaign, or the most recent one."""
    campaign = Campaign.objects.current()
    if campaign is None:
        return redirect("campaign:list")
    return redirect(campaign)


def _absolute(path):
    return f"{settings.SITE_URL}{path}"


def _meta(request, description, *, path=None, og_type="website"):
    """What templates/includes/meta.html needs: description, canonical URL, type."""
    return {
        "meta_description": description,
        "canonical_url": _absolute(path or request.path),
        "og_type": og_type,
    }


class CampaignListView(ListView):
    """All campaigns: open now first, then those coming up, then the archive."""

    template_name = "campaign/campaign_list.html"
    context_object_name = "campaigns"

    def get_queryset(self):
        """Every campaign with its counts, cached until any campaign changes.

        The counts aggregate every innovation on the site: without the cache each
        visit would cost a scan that grows with the data. Which section a campaign
        falls in depends on the time, so that is worked out per request.
        """
        key = f"campaign-list:{settings.RELEASE}:{site_version()}"
        return cache.get_or_set(key, self._counted_campaigns, TIMEOUT)

    @staticmethod
    def _counted_campaigns():
        counted = Q(innovations__status__in=[Innovation.Status.PENDING, Innovation.Status.APPROVED])
        return list(
            Campaign.objects.annotate(
                received=Count("innovations", filter=counted),
                organisation_count=Count(
                    "innovations__organisation", filter=counted, distinct=True
                ),
            ).order_by("-opens_at")
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        now = timezone.now()
        sections = {status: [] for status in Campaign.Status}
        for campaign in context["campaigns"]:
            sections[campaign.status(now)].append(campaign)
        context["sections"] = [
            ("Open now", sections[Campaign.Status.OPEN]),
            ("Coming up", sections[Campaign.Status.UPCOMING]),
            ("Archive", sections[Campaign.Status.CLOSED]),
        ]
        context.update(
            _meta(
                self.request,
                "Every 140in140 campaign: the ones open now, the ones coming up, and the archive.",
            )
        )
        return context


def _latest(campaign):
    return list(
        Innovation.objects.public()
        .for_campaign(campaign)
        .select_related("organisation")
        .order_by("-created_at", "-pk")[:LATEST]
    )


def _snippets(campaign):
    """HTML for other sites to paste (shown escaped, as code to copy)."""
    title = escape(campaign.title)
    url = _absolute(campaign.get_absolute_url())
    badge = _absolute(reverse("campaign:badge", kwargs={"slug": campaign.slug}))
    embed = _absolute(reverse("campaign:embed", kwargs={"slug": campaign.slug}))
    return {
        "badge_snippet": (f'<a href="{url}"><img src="{badge}" alt="{title}: live tally"></a>'),
        "embed_snippet": (
            f'<iframe src="{embed}" title="{title}: live tally" '
            f'width="340" height="220" loading="lazy"></iframe>'
        ),
    }


@public_page("home", MINUTE)
def campaign_detail(request, campaign):
    now = timezone.now()
    tally = cached_tally(campaign)
    counts = charts.cached_hourly_counts(campaign)
    as_of = min(now, campaign.closes_at)
    for innovation in (latest := cached(campaign, "latest", lambda: _latest(campaign))):
        innovation.campaign = campaign
    if campaign.is_open(now):
        description = (
            f"{tally.summary()} so far, toward a target of {campaign.target}. "
            f"Share yours before {when_words(campaign.closes_at)}."
        )
    else:
        description = f"{tally.summary()}, toward a target of {campaign.target}."
    context = {
        "campaign": campaign,
        "status": campaign.status(now),
        "tally": tally,
        "percent": tally.percent_of(campaign.target),
        "as_of": as_of_sentence(tally, as_of),
        "pace": charts.pace(campaign, counts, now).describe(campaign),
        "latest": latest,
        "time_left": campaign.time_left(now),
        **_snippets(campaign),
        **_meta(request, description),
    }
    return render(request, "campaign/campaign_detail.html", context)


@public_page("list", STATUS)
def innovation_list(request, campaign):
    form = collated.ListFilterForm(request.GET)
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


@public_page("innovation", STATUS)
def innovation_detail(request, campaign, pk):
    innovation = get_object_or_404(
        Innovation.objects.public().select_related("organisation"), campaign=campaign, pk=pk
    )
    innovation.campaign = campaign
    url = _absolute(innovation.get_absolute_url())
    context = {
        "innovation": innovation,
        "campaign": campaign,
        "share_url": url,
        **_meta(
            request,
            f"{innovation.title}: an innovation from {innovation.organisation.name}, "
            f"shared in {campaign.title}.",
            og_type="article",
        ),
    }
    return render(request, "campaign/innovation_detail.html", context)


@public_page("feed", STATUS)
def feed(request, campaign):
    return CampaignFeed()(request, slug=campaign.slug)


def _export(request, slug, export):
    campaign = campaign_for(request, slug)
    if campaign is None:
        raise Http404("No such campaign.")
    theme, words = collated.ListFilterForm(request.GET).filters()
    return export(request, campaign, theme=theme, words=words)


def export_csv(request, slug):
    return _export(request, slug, exports.export_csv)


def export_json(request, slug):
    return _export(request, slug, exports.export_json)


@public_page("chart", MINUTE)
def chart(request, campaign):
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
@public_page("badge", MINUTE)
def badge(request, campaign):
    context = badges.badge_context(campaign, cached_tally(campaign))
    return render(request, "campaign/badge.svg", context, content_type="image/svg+xml")


@allow_framing
@public_page("embed", MINUTE)
def embed(request, campaign):
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
