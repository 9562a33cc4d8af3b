"""A time-boxed campaign: "140 innovations in 140 hours"."""

from datetime import UTC, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import JSONObject
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify

from core.text import multi_line, single_line
from organisations.models import Organisation

DEFAULT_LENGTH_HOURS = 140
DEFAULT_PARTICIPANT_NOUN = "organisations"
MAX_QUESTIONS = 5


class DefaultTheme(models.TextChoices):
    """The themes every new campaign starts with (slug, name).

    The slugs are the values the theme field stored before themes belonged to
    campaigns, so the public list's old `?theme=skills_employment` links keep working.
    """

    SKILLS_AND_EMPLOYMENT = "skills_employment", "Skills and employment"
    DIGITAL_INCLUSION = "digital_inclusion", "Digital inclusion"
    CUSTOMER_INSIGHT = "customer_insight", "Customer insight and feedback"
    STAFF_LEARNING = "staff_learning", "Staff learning"
    HEALTH_AND_WELLBEING = "health_wellbeing", "Health and wellbeing"
    HOMES_AND_TECHNOLOGY = "homes_technology", "Homes and technology"
    OTHER = "other", "Other"


DEFAULT_THEME_DESCRIPTIONS = {
    DefaultTheme.SKILLS_AND_EMPLOYMENT: "Jobs, training and apprenticeships.",
    DefaultTheme.DIGITAL_INCLUSION: "Getting people online and confident there.",
    DefaultTheme.CUSTOMER_INSIGHT: "Listening to the people you serve, and acting on it.",
    DefaultTheme.STAFF_LEARNING: "How staff learn, share and improve.",
    DefaultTheme.HEALTH_AND_WELLBEING: "Physical and mental health, loneliness, money worries.",
    DefaultTheme.HOMES_AND_TECHNOLOGY: "Buildings, repairs, energy and the technology in them.",
    DefaultTheme.OTHER: "Anything that fits no other theme.",
}


def singular(noun):
    """The singular of a plural English noun phrase, for "1 council": the last word only.

    "housing associations" -> "housing association", "local authorities" -> "local
    authority", "businesses" -> "business". A phrase that does not end in s is kept.
    """
    head, _, last = noun.rpartition(" ")
    lower = last.lower()
    if lower.endswith("ies") and len(last) > 3:
        last = last[:-3] + ("Y" if last.isupper() else "y")
    elif lower.endswith(("sses", "shes", "ches", "xes", "zes")):
        last = last[:-2]
    elif lower.endswith("s") and not lower.endswith("ss"):
        last = last[:-1]
    return f"{head} {last}" if head else last


def closing_time(opens_at, hours):
    """`hours` elapsed hours after `opens_at`, as an aware UTC datetime.

    Arithmetic on a Europe/London datetime is wall-clock arithmetic in Python and
    gains or loses an hour across a clock change; in UTC it is exact.
    """
    return opens_at.astimezone(UTC) + timedelta(hours=hours)


def bare_hashtag(text):
    """People type a hashtag as they would tweet it: "#CSinnovate" is kept as "CSinnovate",
    so nothing that shows it with its "#" says "##CSinnovate"."""
    return (text or "").strip().lstrip("#").strip()


class JSONGroupArray(models.Aggregate):
    """The rows' values as one JSON array: json_group_array on SQLite, json_agg on PostgreSQL."""

    function = "JSON_GROUP_ARRAY"
    output_field = models.JSONField()

    def as_postgresql(self, compiler, connection, **extra_context):
        # As text, as Django reads every JSON value from PostgreSQL.
        return super().as_sql(
            compiler,
            connection,
            function="JSON_AGG",
            template="%(function)s(%(distinct)s%(expressions)s)::text",
            **extra_context,
        )


class CampaignQuerySet(models.QuerySet):
    def with_themes(self):
        """Each campaign with `theme_rows`, its themes as JSON, in the same query.

        The public list and the form need a campaign's themes on every build; this
        spares them a query of their own (see campaign.themes.campaign_themes).
        """
        rows = (
            Theme.objects.filter(campaign=models.OuterRef("pk"))
            .order_by()
            .values("campaign")
            .annotate(
                rows=JSONGroupArray(
                    JSONObject(id="id", slug="slug", name="name", order="order", hidden="hidden")
                )
            )
            .values("rows")
        )
        return self.annotate(theme_rows=models.Subquery(rows, output_field=models.JSONField()))

    def with_site_settings(self):
        """Each campaign with `site_settings_row`, the site's settings record as JSON (None
        before one is saved), in the same query: a page built on an empty cache then reads
        them no more (campaign.sitesettings.remember)."""
        names = [field.attname for field in SiteSettings._meta.concrete_fields]
        row = SiteSettings.objects.filter(pk=1).values(
            row=JSONObject(**{name: name for name in names})
        )
        return self.annotate(
            site_settings_row=models.Subquery(row, output_field=models.JSONField())
        )

    def open_at(self, at=None):
        at = at or timezone.now()
        return self.filter(opens_at__lte=at, closes_at__gt=at)

    def current(self, at=None):
        """The open campaign that opened last, else the most recent one to open, or None."""
        at = at or timezone.now()
        return (
            self.open_at(at).order_by("-opens_at").first()
            or self.filter(opens_at__lte=at).order_by("-opens_at").first()
            or self.order_by("opens_at").first()
        )


class Campaign(models.Model):
    class Status(models.TextChoices):
        UPCOMING = "upcoming", "Opens soon"
        OPEN = "open", "Open"
        CLOSED = "closed", "Closed"

    title = models.CharField(max_length=200, validators=[single_line])
    slug = models.SlugField(max_length=100, unique=True)
    intro = models.TextField(blank=True, max_length=5000, validators=[multi_line])
    target = models.PositiveIntegerField(default=140, validators=[MinValueValidator(1)])
    opens_at = models.DateTimeField(help_text="When submissions open (Europe/London).")
    closes_at = models.DateTimeField(help_text="When submissions close (Europe/London).")
    hashtag = models.CharField(
        max_length=100,
        blank=True,
        validators=[single_line],
        help_text="Without the #, e.g. 140in140.",
    )
    participant_noun = models.CharField(
        "who takes part (plural)",
        max_length=60,
        default=DEFAULT_PARTICIPANT_NOUN,
        help_text=(
            "What the tally and the form call the organisations taking part, plural and in "
            "lower case: e.g. “housing associations”, “councils”, “organisations”. "
            "“53 innovations from 18 councils”."
        ),
    )
    participant_kind = models.CharField(
        "the noun is true only of",
        max_length=32,
        choices=Organisation.Kind,
        blank=True,
        help_text=(
            "If the noun names one kind of organisation, choose it: while any organisation "
            "of another kind takes part, the tally says “organisations” so it is never "
            "wrong. Leave empty when the noun fits everyone."
        ),
    )
    # How many PDF editions are published (see Edition): the campaign page asks for
    # their list only when there are some, so most page builds cost no extra query.
    edition_count = models.PositiveIntegerField(default=0, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = CampaignQuerySet.as_manager()

    class Meta:
        ordering = ["-opens_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(closes_at__gt=models.F("opens_at")),
                name="campaign_closes_after_it_opens",
                violation_error_message="A campaign must close after it opens.",
            ),
            models.CheckConstraint(condition=Q(target__gte=1), name="campaign_target_positive"),
            models.CheckConstraint(
                condition=~Q(hashtag__startswith="#"),
                name="campaign_hashtag_without_hash",
                violation_error_message="Type the hashtag without its #.",
            ),
            models.CheckConstraint(
                condition=Q(participant_kind="") | Q(participant_kind__in=Organisation.Kind.values),
                name="campaign_participant_kind_valid",
            ),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("campaign:detail", kwargs={"slug": self.slug})

    @property
    def participant_singular(self):
        return singular(self.participant_noun)

    def clean(self):
        self.hashtag = bare_hashtag(self.hashtag)

    @classmethod
    def scheduled(cls, *, opens_at, hours=DEFAULT_LENGTH_HOURS, **fields):
        """An unsaved campaign that closes exactly `hours` real hours after it opens.

        The arithmetic is done on aware datetimes, so a campaign that spans the
        end of British Summer Time is still its length in elapsed hours.
        """
        if timezone.is_naive(opens_at):
            raise ValueError("opens_at must be an aware datetime")
        return cls(opens_at=opens_at, closes_at=closing_time(opens_at, hours), **fields)

    @property
    def length(self):
        return self.closes_at - self.opens_at

    @property
    def length_hours(self):
        return self.length / timedelta(hours=1)

    def status(self, at=None):
        at = at or timezone.now()
        if at < self.opens_at:
            return self.Status.UPCOMING
        if at < self.closes_at:
            return self.Status.OPEN
        return self.Status.CLOSED

    def is_open(self, at=None):
        return self.status(at) == self.Status.OPEN

    def time_left(self, at=None):
        """Time until submissions close; zero once closed."""
        at = at or timezone.now()
        return max(self.closes_at - at, timedelta(0))

    def time_until_open(self, at=None):
        at = at or timezone.now()
        return max(self.opens_at - at, timedelta(0))


class Theme(models.Model):
    """One of a campaign's themes: the form offers the visible ones, in order."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="themes")
    name = models.CharField(max_length=80)
    # Set once from the name and kept: it is the value of the public list's ?theme=.
    slug = models.SlugField(max_length=90, blank=True)
    description = models.CharField("short description", max_length=200, blank=True)
    order = models.PositiveSmallIntegerField(default=0)
    hidden = models.BooleanField(
        "hidden from the form",
        default=False,
        help_text="A theme in use cannot be deleted: hide it so no one new chooses it.",
    )

    class Meta:
        ordering = ["campaign", "order", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "slug"],
                name="theme_slug_unique_in_campaign",
                violation_error_message="This campaign already has a theme with that slug.",
            ),
            models.UniqueConstraint(
                fields=["campaign", "name"],
                name="theme_name_unique_in_campaign",
                violation_error_message="This campaign already has a theme with that name.",
            ),
        ]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        if not self.slug:
            self.slug = self._unique_slug()
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("campaign:innovations", kwargs={"slug": self.campaign.slug}) + (
            f"?theme={self.slug}"
        )

    def _unique_slug(self):
        base = slugify(self.name)[:80] or "theme"
        taken = set(
            Theme.objects.filter(campaign_id=self.campaign_id, slug__startswith=base)
            .exclude(pk=self.pk)
            .values_list("slug", flat=True)
        )
        slug, n = base, 2
        while slug in taken:
            slug, n = f"{base}-{n}", n + 1
        return slug


class Question(models.Model):
    """An extra question asked about every innovation in a campaign (at most five)."""

    class Kind(models.TextChoices):
        SHORT = "short", "Short text (one line)"
        LONG = "long", "Long text (a paragraph)"

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="questions")
    text = models.CharField("question", max_length=200)
    help_text = models.CharField("hint", max_length=200, blank=True)
    kind = models.CharField(max_length=8, choices=Kind, default=Kind.SHORT)
    required = models.BooleanField(default=False)
    public = models.BooleanField(
        "shown publicly",
        default=True,
        help_text="Untick to keep the answers for organisers only (admin and staff exports).",
    )
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["campaign", "order", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=["short", "long"]), name="question_kind_valid"
            ),
        ]

    def __str__(self):
        return self.text

    @property
    def max_length(self):
        return 200 if self.kind == self.Kind.SHORT else 2000

    def clean(self):
        if (
            self.campaign_id
            and not self.pk
            and Question.objects.filter(campaign_id=self.campaign_id).count() >= MAX_QUESTIONS
        ):
            raise ValidationError(f"A campaign can ask at most {MAX_QUESTIONS} questions.")


def default_site_name():
    """SITE_NAME from the environment until the organiser names the site in admin."""
    return settings.SITE_NAME


class SiteSettings(models.Model):
    """The one record of the site's own words: its name, footer and statutory pages.

    Read through `campaign.sitesettings.current()`, which caches it and falls back to
    the defaults if the database or the cache is unavailable.
    """

    site_name = models.CharField(max_length=60, default=default_site_name)
    tagline = models.CharField(
        max_length=200,
        default="Time-boxed crowdsourcing: innovations collected against the clock.",
        help_text="Describes the site to search engines and on the list of campaigns.",
    )
    footer_line = models.CharField(
        max_length=200,
        default="Innovations shared in the open, collected against the clock.",
        help_text="Shown beside the site name at the foot of every page.",
    )
    organiser_name = models.CharField("organiser's name", max_length=100, default="The organisers")
    organiser_email = models.EmailField(
        "organiser's email address",
        max_length=254,
        blank=True,
        help_text="Shown on the privacy notice and accessibility statement as the contact.",
    )
    accessibility_statement = models.TextField(
        blank=True,
        max_length=20000,
        help_text="Markdown. Leave empty to publish the default statement, written for this site.",
    )
    privacy_notice = models.TextField(
        blank=True,
        max_length=20000,
        help_text="Markdown. Leave empty to publish the default notice, written for this site.",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "site settings"
        verbose_name_plural = "site settings"
        constraints = [
            models.CheckConstraint(condition=Q(pk=1), name="site_settings_singleton"),
        ]

    def __str__(self):
        return "Site settings"

    def save(self, *args, **kwargs):
        self.pk = 1
        super().save(*args, **kwargs)


def edition_upload_to(edition, filename):
    return f"editions/{edition.campaign.slug}/{filename}"


class Edition(models.Model):
    """A published PDF of a campaign's collated list: stored once, never changed.

    `contents` records what it listed ({innovation id: [title, organisation]}), so the
    next edition can say what changed since.
    """

    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="editions")
    number = models.PositiveIntegerField()
    published_at = models.DateTimeField(default=timezone.now)
    file = models.FileField(upload_to=edition_upload_to, max_length=300, editable=False)
    contents = models.JSONField(default=dict, editable=False)
    changes = models.TextField("what changed since the edition before", blank=True, editable=False)
    provisional = models.BooleanField(
        default=False, editable=False, help_text="Published while the campaign was still open."
    )

    class Meta:
        ordering = ["campaign", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "number"], name="edition_number_unique_in_campaign"
            ),
        ]

    def __str__(self):
        return f"{self.campaign} edition {self.number}"

    def get_absolute_url(self):
        return reverse(
            "campaign:edition", kwargs={"slug": self.campaign.slug, "number": self.number}
        )
