"""What people send: a submission (one person's batch) and its innovations."""

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords

from campaign.models import Campaign, Question, Theme
from core.text import multi_line, single_line
from organisations.matching import search_fold
from organisations.models import Organisation

from .pictures import Picture, url

__all__ = ["Answer", "Innovation", "Submission", "Theme"]


class Submission(models.Model):
    """One person's batch of innovations, sent in one go."""

    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="submissions")
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="submissions"
    )
    name = models.CharField("your name", max_length=100, validators=[single_line])
    email = models.EmailField("email address", max_length=254, validators=[single_line])
    role = models.CharField(
        "job title or role", max_length=100, blank=True, validators=[single_line]
    )
    twitter = models.CharField(
        "Twitter handle", max_length=16, blank=True, validators=[single_line]
    )
    # The thank-you page lives at /…/thanks/<receipt>/: not guessable, unlike the pk.
    receipt = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    # Set by `manage.py purge_personal_data` when name, email, role and Twitter handle
    # were replaced by placeholders (see innovations/retention.py).
    personal_data_removed_at = models.DateTimeField(null=True, blank=True, editable=False)
    # When the submitter ticked "The innovations may be published with my organisation's
    # name" (the form requires it): the evidence of consent. Empty for submissions saved
    # before it was recorded. Not personal data by itself, so a purge keeps it.
    consented_at = models.DateTimeField(
        "consent to publish given at", null=True, blank=True, editable=False
    )

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.name} ({self.organisation}) at {timezone.localtime(self.created_at):%Y-%m-%d %H:%M}"


class InnovationQuerySet(models.QuerySet):
    def for_campaign(self, campaign):
        return self.filter(campaign=campaign)

    def public(self):
        """What the public may see: approved innovations only."""
        return self.filter(status=Innovation.Status.APPROVED)

    def counted(self):
        """What the tally counts: everything received that was not rejected."""
        return self.filter(Innovation.counted_filter())


def innovation_search_text(title, description):
    """What the list's search looks in, for an innovation (its organisation's name is
    searched through Organisation.search_name)."""
    return search_fold(f"{title}\n{description}")


def public_organisations():
    """Organisations the public may see: only those with an approved innovation.

    A new organisation arrives with a pending submission, its name typed by anyone:
    until the organiser approves one of its innovations it is in no datalist, no list
    and no page (its page is a 404).
    """
    return Organisation.objects.filter(
        Exists(Innovation.objects.public().filter(organisation=OuterRef("pk")))
    )


class Innovation(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="innovations")
    # Denormalised from the submission so public queries need no join; always
    # the submission's own (see save() and the organisation merge).
    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="innovations")
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="innovations"
    )
    title = models.CharField(max_length=200, validators=[single_line])
    description = models.TextField(max_length=5000, validators=[multi_line])
    # One of the campaign's own themes (see clean()); PROTECT: a theme in use is hidden, not deleted.
    theme = models.ForeignKey(Theme, on_delete=models.PROTECT, related_name="innovations")
    link = models.URLField(max_length=500, blank=True, validators=[single_line])
    status = models.CharField(max_length=16, choices=Status, default=Status.PENDING)
    created_at = models.DateTimeField(default=timezone.now)
    moderated_at = models.DateTimeField(null=True, blank=True)
    moderated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # A picture, re-encoded by innovations.pictures into a few widths: the files are
    # `<image_key>-<width>.jpg` in the default storage. Empty when there is none.
    image_key = models.CharField(max_length=100, blank=True, editable=False)
    image_widths = models.JSONField(default=list, blank=True, editable=False)
    image_height = models.PositiveIntegerField(null=True, blank=True, editable=False)
    image_alt = models.CharField("picture description", max_length=300, blank=True)

    # The tally counts what was received and not turned down: the one place that says so.
    COUNTED = (Status.PENDING, Status.APPROVED)

    # Title and description as search compares them (organisations.matching.search_fold),
    # kept by save(); whatever writes innovations without save() must set it too.
    search_text = models.TextField(editable=False, default="")

    history = HistoricalRecords(excluded_fields=["search_text"])
    objects = InnovationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(
                fields=["campaign", "status", "created_at"], name="innovation_campaign_status"
            ),
            models.Index(fields=["organisation", "status"], name="innovation_org_status"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["pending", "approved", "rejected"]),
                name="innovation_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(image_key="") | ~Q(image_alt=""),
                name="innovation_picture_has_description",
                violation_error_message="Describe the picture for people who cannot see it.",
            ),
        ]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        if self.submission_id:
            self.campaign_id = self.submission.campaign_id
            self.organisation_id = self.submission.organisation_id
        self.search_text = innovation_search_text(self.title, self.description)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and {"title", "description"} & set(update_fields):
            kwargs["update_fields"] = {*update_fields, "search_text"}
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("campaign:innovation", kwargs={"slug": self.campaign.slug, "pk": self.pk})

    def clean(self):
        if self.theme_id and self.campaign_id and self.theme.campaign_id != self.campaign_id:
            raise ValidationError({"theme": "Choose one of this campaign's themes."})
        if self.submission_id and (
            self.campaign_id != self.submission.campaign_id
            or self.organisation_id != self.submission.organisation_id
        ):
            raise ValidationError(
                "An innovation belongs to its submission's campaign and organisation."
            )

    @classmethod
    def counted_filter(cls, prefix=""):
        """A Q for counted innovations, from a model related by `prefix` (e.g. "innovations__")."""
        return Q(**{f"{prefix}status__in": cls.COUNTED})

    @property
    def picture(self):
        """The stored picture (innovations.pictures.Picture), or None."""
        if not self.image_key:
            return None
        return Picture(self.image_key, tuple(self.image_widths), self.image_height or 0)

    def picture_url(self, width=None):
        """The picture at `width` (a stored one), else its largest."""
        widths = self.image_widths or []
        if not self.image_key or not widths:
            return ""
        return url(self.image_key, width if width in widths else widths[-1])

    @property
    def picture_srcset(self):
        return ", ".join(f"{url(self.image_key, w)} {w}w" for w in self.image_widths or [])

    @property
    def print_picture(self):
        """The storage name of the picture for print: the widest stored up to 960 px."""
        widths = self.image_widths or []
        if not self.image_key or not widths:
            return ""
        width = max((w for w in widths if w <= 960), default=widths[0])
        return f"{self.image_key}-{width}.jpg"

    @property
    def picture_width(self):
        return (self.image_widths or [0])[-1]


class Answer(models.Model):
    """The answer to one of the campaign's own questions about one innovation."""

    innovation = models.ForeignKey(Innovation, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="answers")
    text = models.TextField(max_length=2000)

    class Meta:
        ordering = ["question__order", "question_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["innovation", "question"], name="answer_one_per_question"
            ),
        ]

    def __str__(self):
        return f"{self.question}: {self.text[:60]}"
