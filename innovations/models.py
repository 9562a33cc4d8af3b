"""What people send: a submission (one person's batch) and its innovations."""

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords

from campaign.models import Campaign
from organisations.models import Organisation


class Theme(models.TextChoices):
    SKILLS_AND_EMPLOYMENT = "skills_employment", "Skills and employment"
    DIGITAL_INCLUSION = "digital_inclusion", "Digital inclusion"
    CUSTOMER_INSIGHT = "customer_insight", "Customer insight and feedback"
    STAFF_LEARNING = "staff_learning", "Staff learning"
    HEALTH_AND_WELLBEING = "health_wellbeing", "Health and wellbeing"
    HOMES_AND_TECHNOLOGY = "homes_technology", "Homes and technology"
    OTHER = "other", "Other"


class Submission(models.Model):
    """One person's batch of innovations, sent in one go."""

    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="submissions")
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="submissions"
    )
    name = models.CharField("your name", max_length=100)
    email = models.EmailField("email address", max_length=254)
    role = models.CharField("job title or role", max_length=100, blank=True)
    twitter = models.CharField("Twitter handle", max_length=16, blank=True)
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
    # Set when the submitter followed the link in an "ask the innovator" email that
    # stops further messages about this submission's innovations.
    questions_stopped_at = models.DateTimeField(
        "messages from askers stopped at", null=True, blank=True, editable=False
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
    title = models.CharField(max_length=200)
    description = models.TextField(max_length=5000)
    theme = models.CharField(max_length=32, choices=Theme, default=Theme.OTHER)
    link = models.URLField(max_length=500, blank=True)
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

    # The tally counts what was received and not turned down: the one place that says so.
    COUNTED = (Status.PENDING, Status.APPROVED)

    history = HistoricalRecords()
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
                condition=Q(
                    theme__in=[
                        "skills_employment",
                        "digital_inclusion",
                        "customer_insight",
                        "staff_learning",
                        "health_wellbeing",
                        "homes_technology",
                        "other",
                    ]
                ),
                name="innovation_theme_valid",
            ),
        ]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        if self.submission_id:
            self.campaign_id = self.submission.campaign_id
            self.organisation_id = self.submission.organisation_id
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("campaign:innovation", kwargs={"slug": self.campaign.slug, "pk": self.pk})

    def clean(self):
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


class ResponseQuerySet(models.QuerySet):
    def confirmed(self):
        """What counts and shows: responses their sender confirmed from the email."""
        return self.filter(confirmed_at__isnull=False, organisation__isnull=False)

    def for_campaign(self, campaign):
        """Responses to the campaign's published innovations."""
        return self.filter(
            innovation__campaign=campaign, innovation__status=Innovation.Status.APPROVED
        )


class Response(models.Model):
    """Staff from another organisation say "We do this too" or "We'd like to try this".

    It counts once the sender confirms it from the link emailed to them; an
    organisation counts once per innovation and kind however many of its staff
    respond (the counts are of distinct organisations). A note shows only once an
    organiser approves it.
    """

    class Kind(models.TextChoices):
        DOES_TOO = "does_too", "We do this too"
        WANTS_TO_TRY = "wants_to_try", "We'd like to try this"

    class NoteStatus(models.TextChoices):
        NONE = "none", "No note"
        PENDING = "pending", "Waiting for approval"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"

    innovation = models.ForeignKey(Innovation, on_delete=models.CASCADE, related_name="responses")
    kind = models.CharField(max_length=16, choices=Kind)
    # Empty until confirmation when the sender named an organisation we did not know:
    # it is created then, so an unconfirmed response adds no organisation.
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="responses",
        null=True,
        blank=True,
    )
    organisation_name = models.CharField("organisation, as typed", max_length=200)
    name = models.CharField("name", max_length=100)
    email = models.EmailField("email address", max_length=254)
    note = models.TextField(max_length=500, blank=True)
    note_status = models.CharField(max_length=16, choices=NoteStatus, default=NoteStatus.NONE)
    created_at = models.DateTimeField(default=timezone.now)
    consented_at = models.DateTimeField("consent to publish given at", editable=False)
    confirmed_at = models.DateTimeField(null=True, blank=True, editable=False)
    personal_data_removed_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = ResponseQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["innovation", "confirmed_at"], name="response_innovation"),
            models.Index(fields=["organisation", "confirmed_at"], name="response_organisation"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=["does_too", "wants_to_try"]), name="response_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(note_status__in=["none", "pending", "approved", "rejected"]),
                name="response_note_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(note="") | ~Q(note_status="none"),
                name="response_note_has_a_status",
            ),
            # One person says each thing once about an innovation: sending the form
            # again updates their response (and sends the link again).
            models.UniqueConstraint(
                "innovation",
                "kind",
                Lower("email"),
                name="response_once_per_person",
                violation_error_message="You have already said this about this innovation.",
            ),
        ]

    def __str__(self):
        who = self.organisation.name if self.organisation_id else self.organisation_name
        return f"{who}: {self.get_kind_display()} ({self.innovation})"

    @property
    def is_confirmed(self):
        return self.confirmed_at is not None


class Question(models.Model):
    """A message to the person who shared an innovation, relayed by email: the log.

    The text is kept only until the email is sent (then blanked), and the asker's
    address only as a keyed hash, enough to hold the rate limit.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", "Waiting to be sent"
        SENT = "sent", "Sent"
        NOT_SENT = "not_sent", "Not sent"

    innovation = models.ForeignKey(Innovation, on_delete=models.CASCADE, related_name="questions")
    asker_key = models.CharField(max_length=64, db_index=True, editable=False)
    # Held for the email job only: blanked once sent (or not sent).
    asker_name = models.CharField(max_length=100, blank=True)
    asker_email = models.EmailField(max_length=254, blank=True)
    message = models.TextField(max_length=2000, blank=True)
    status = models.CharField(max_length=16, choices=Status, default=Status.QUEUED)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["innovation", "created_at"], name="question_innovation_time"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["queued", "sent", "not_sent"]),
                name="question_status_valid",
            ),
        ]

    def __str__(self):
        return f"Question about {self.innovation} at {timezone.localtime(self.created_at):%Y-%m-%d %H:%M}"


class RegisteredOrganisation(Organisation):
    """The register seen from a campaign: who has not taken part yet (the outreach list in admin)."""

    class Meta:
        proxy = True
        verbose_name = "registered organisation (outreach)"
        verbose_name_plural = "not taken part yet (outreach)"
