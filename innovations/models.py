"""What people send: a submission (one person's batch) and its innovations; the emails about them."""

import hashlib
import secrets
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.db.models.functions import Lower
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
    # The manage link's secret is never stored: only its SHA-256, so a copy of the
    # database cannot be used to edit anyone's innovations. Empty for submissions
    # saved before manage links existed.
    manage_token_hash = models.CharField(max_length=64, blank=True, editable=False, db_index=True)
    # Set when the submitter followed the link in an "ask the innovator" email that
    # stops further messages about this submission's innovations.
    questions_stopped_at = models.DateTimeField(
        "messages from askers stopped at", null=True, blank=True, editable=False
    )

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.name} ({self.organisation}) at {timezone.localtime(self.created_at):%Y-%m-%d %H:%M}"

    def new_manage_token(self) -> str:
        """A fresh secret for the manage link (256 random bits); only its hash is kept."""
        token = secrets.token_urlsafe(32)
        self.manage_token_hash = manage_token_hash(token)
        return token


def manage_token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class RejectionReason(models.Model):
    """Why an innovation was not published: a list the organiser keeps in admin."""

    text = models.CharField(
        max_length=200,
        unique=True,
        validators=[single_line],
        help_text="Shown to the sender, e.g. “Already sent”.",
    )
    position = models.PositiveSmallIntegerField(default=0, help_text="Lower comes first.")
    active = models.BooleanField(default=True, help_text="Offered when rejecting.")

    class Meta:
        ordering = ["position", "text"]

    def __str__(self):
        return self.text


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
    """Organisations the public may see: those with an approved innovation, and those
    that confirmed a response to one ("We do this too", issue 16: their names show at once).

    A new organisation arrives with a pending submission, its name typed by anyone:
    until the organiser approves one of its innovations (or its responder confirms from
    their email) it is in no datalist, no list and no page (its page is a 404).
    """
    return Organisation.objects.filter(
        Exists(Innovation.objects.public().filter(organisation=OuterRef("pk")))
        | Exists(
            Response.objects.confirmed().filter(
                organisation=OuterRef("pk"), innovation__status=Innovation.Status.APPROVED
            )
        )
    )


class Innovation(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"
        # Taken back by its sender through the manage link: off every public page,
        # export and tally, kept (with its history) for the organiser.
        WITHDRAWN = "withdrawn", "Withdrawn"

    COUNTED = (Status.PENDING, Status.APPROVED)

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
    rejection_reason = models.ForeignKey(
        RejectionReason,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="innovations",
        verbose_name="reason not published",
    )
    rejection_note = models.TextField(
        "note to the sender",
        max_length=1000,
        blank=True,
        validators=[multi_line],
        help_text="Optional; sent with the reason.",
    )
    # When the sender was told of the outcome (published or not). Cleared when the
    # status changes, so each new outcome is told once.
    outcome_emailed_at = models.DateTimeField(null=True, blank=True, editable=False)
    # A correction the sender asked for through the manage link (on a published one).
    correction_request = models.TextField(
        "correction asked for", max_length=1000, blank=True, validators=[multi_line]
    )
    correction_requested_at = models.DateTimeField(null=True, blank=True)
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
                condition=Q(status__in=["pending", "approved", "rejected", "withdrawn"]),
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


class OrganisationCount(models.Model):
    """How many innovations a campaign has from one organisation in one status.

    The tally, the list of campaigns and the collated list read these few rows (one
    per organisation and status) instead of counting every innovation: at 100,000
    innovations that is 1 ms instead of 100. Kept exact by innovations/counts.py,
    which every service that adds, moves, moderates or deletes innovations calls in
    its own transaction.
    """

    campaign = models.ForeignKey(
        Campaign, on_delete=models.CASCADE, related_name="organisation_counts"
    )
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="innovation_counts"
    )
    status = models.CharField(max_length=16, choices=Innovation.Status)
    n = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["campaign", "organisation", "status"]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "organisation", "status"], name="organisation_count_unique"
            ),
            models.CheckConstraint(
                condition=Q(status__in=["pending", "approved", "rejected", "withdrawn"]),
                name="organisation_count_status_valid",
            ),
        ]

    def __str__(self):
        return f"{self.n} {self.status} from organisation {self.organisation_id}"

    @classmethod
    def merge_organisation_rows(cls, keep, other_ids):
        """The organisation merge's hook (organisations/services.py): fold the counts of
        `other_ids` into `keep`'s, since two rows for one organisation cannot both move."""
        from .counts import counts_merge_organisations

        counts_merge_organisations(keep_id=keep.pk, other_ids=other_ids)


class HourCount(models.Model):
    """How many innovations a campaign received in one clock hour (UTC) in one status:
    the pace chart's bars, kept like OrganisationCount."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="hour_counts")
    hour = models.DateTimeField(help_text="The start of the hour, in UTC.")
    status = models.CharField(max_length=16, choices=Innovation.Status)
    n = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["campaign", "hour", "status"]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "hour", "status"], name="hour_count_unique"
            ),
            models.CheckConstraint(
                condition=Q(status__in=["pending", "approved", "rejected", "withdrawn"]),
                name="hour_count_status_valid",
            ),
        ]

    def __str__(self):
        return f"{self.n} {self.status} in the hour from {self.hour:%Y-%m-%d %H:00} UTC"


class Email(models.Model):
    """One email, kept until it is sent: what a job sends, and the record staff read.

    Created in the same transaction as what it is about, so it is never lost; sent by
    the job `innovations.emails.send_email`, retried with backoff while the mail
    server is down. Once sent, the bodies of receipts, response confirmations and
    questions are cleared (they hold the manage link, a confirmation link, a reader's words).
    """

    class Kind(models.TextChoices):
        RECEIPT = "receipt", "Receipt"
        PUBLISHED = "published", "Published"
        NOT_PUBLISHED = "not_published", "Not published"
        CLOSED = "closed", "Campaign closed"
        ALERT = "alert", "New submission alert"
        DIGEST = "digest", "Digest"
        PACE = "pace", "Pace alert"
        RESPONSE = "response", "Response confirmation"
        QUESTION = "question", "Question from a reader"

    class Status(models.TextChoices):
        QUEUED = "queued", "Waiting to be sent"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"

    kind = models.CharField(max_length=16, choices=Kind)
    campaign = models.ForeignKey(
        Campaign, on_delete=models.CASCADE, null=True, blank=True, related_name="emails"
    )
    submission = models.ForeignKey(
        Submission, on_delete=models.CASCADE, null=True, blank=True, related_name="emails"
    )
    to = models.EmailField(max_length=254)
    reply_to = models.CharField(max_length=300, blank=True)
    subject = models.CharField(max_length=300)
    body_text = models.TextField(blank=True)
    body_html = models.TextField(blank=True)
    status = models.CharField(max_length=16, choices=Status, default=Status.QUEUED)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    # Emails that must go once only ("closed:12:340", "pace:12:half") carry a key.
    once_key = models.CharField(max_length=100, null=True, blank=True, unique=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    kind__in=[
                        "receipt",
                        "published",
                        "not_published",
                        "closed",
                        "alert",
                        "digest",
                        "pace",
                        "response",
                        "question",
                    ]
                ),
                name="email_kind_valid",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["queued", "sending", "sent", "failed"]),
                name="email_status_valid",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} to {self.to}: {self.subject}"


class AlertPreference(models.Model):
    """How a staff member hears of new submissions. No row: each new one, by default."""

    class Frequency(models.TextChoices):
        EACH = "each", "Each new submission"
        HOURLY = "hourly", "Hourly digest"
        DAILY = "daily", "Daily digest"
        NONE = "none", "None"

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="alert_preference"
    )
    frequency = models.CharField(
        "email me about new submissions",
        max_length=8,
        choices=Frequency,
        default=Frequency.EACH,
    )
    # The end of the period the last digest covered: the next one starts there.
    digest_covered_until = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["user__username"]
        constraints = [
            models.CheckConstraint(
                condition=Q(frequency__in=["each", "hourly", "daily", "none"]),
                name="alert_frequency_valid",
            )
        ]

    def __str__(self):
        return f"{self.user}: {self.get_frequency_display()}"


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
    organisation_name = models.CharField(
        "organisation, as typed", max_length=200, validators=[single_line]
    )
    name = models.CharField("name", max_length=100, validators=[single_line])
    email = models.EmailField("email address", max_length=254, validators=[single_line])
    note = models.TextField(max_length=500, blank=True, validators=[multi_line])
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

    The text and the asker's name and address travel in the `Email` row the job sends
    (cleared once it is delivered); the question keeps the asker's address only as a
    keyed hash, enough to hold the rate limit, and whether it was sent.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", "Waiting to be sent"
        SENT = "sent", "Sent"
        NOT_SENT = "not_sent", "Not sent"

    innovation = models.ForeignKey(Innovation, on_delete=models.CASCADE, related_name="questions")
    asker_key = models.CharField(max_length=64, db_index=True, editable=False)
    # The email that carries it (its text, Reply-To the asker), until it is sent.
    email = models.OneToOneField(
        Email, on_delete=models.SET_NULL, null=True, blank=True, related_name="question"
    )
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
