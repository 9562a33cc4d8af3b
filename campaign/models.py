"""A time-boxed campaign: "140 innovations in 140 hours"."""

from datetime import UTC, timedelta

from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from core.text import multi_line, single_line

DEFAULT_LENGTH_HOURS = 140


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


class CampaignQuerySet(models.QuerySet):
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
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("campaign:detail", kwargs={"slug": self.slug})

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
