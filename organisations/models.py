"""Organisations that send innovations, the other spellings people use for them, and the
register of the sector they belong to (imported from the regulator's list)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify

from core.text import single_line

from .matching import match_key, search_fold


class OrganisationQuerySet(models.QuerySet):
    def registered(self):
        """The organisations in the current register (not those gone from it)."""
        return self.filter(register=Organisation.Register.LISTED)

    def find_by_name(self, name):
        """The organisation called `name`, or known by it as an alias, or None."""
        key = match_key(name)
        if not key:
            return None
        # Two indexed lookups: one query with OR across the join scanned every organisation.
        return (
            self.filter(match_key=key).order_by("pk").first()
            or self.filter(aliases__match_key=key).order_by("pk").first()
        )


class RegisterImport(models.Model):
    """One import of the register: the whole register as it was in one file."""

    file_name = models.CharField(max_length=255)
    imported_at = models.DateTimeField(auto_now_add=True)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    rows = models.PositiveIntegerField(default=0)
    added = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    gone = models.PositiveIntegerField(default=0)
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-imported_at", "-pk"]
        verbose_name = "register import"

    def __str__(self):
        return f"{self.file_name} ({self.rows} rows)"


class Organisation(models.Model):
    class Register(models.TextChoices):
        NOT_LISTED = "not_listed", "Never in the register"
        LISTED = "listed", "In the register"
        GONE = "gone", "Gone from the register"

    class Kind(models.TextChoices):
        HOUSING_ASSOCIATION = "housing_association", "Housing association"
        LOCAL_AUTHORITY = "local_authority", "Local authority"
        CHARITY = "charity", "Charity"
        COMPANY = "company", "Company"
        OTHER = "other", "Other"

    name = models.CharField(max_length=200, validators=[single_line])
    slug = models.SlugField(max_length=220, unique=True, blank=True)
    kind = models.CharField(max_length=32, choices=Kind, default=Kind.OTHER)
    website = models.URLField(max_length=500, blank=True, validators=[single_line])
    match_key = models.CharField(max_length=200, editable=False, db_index=True)
    # The name as search compares it (matching.search_fold): kept by save(), like match_key.
    search_name = models.CharField(max_length=400, editable=False, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    # From the register of the sector (see organisations/register.py): where it works
    # and how many homes it has. Reach counts only the organisations LISTED now; one
    # missing from a newer register is GONE, never deleted (it may have taken part).
    region = models.CharField(max_length=100, blank=True)
    homes = models.PositiveIntegerField("homes owned or managed", null=True, blank=True)
    register = models.CharField(
        "in the register",
        max_length=16,
        choices=Register,
        default=Register.NOT_LISTED,
        db_index=True,
    )
    register_import = models.ForeignKey(
        RegisterImport,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="organisations",
        editable=False,
        help_text="The last register import that listed it.",
    )
    register_gone_at = models.DateTimeField(
        "gone from the register at", null=True, blank=True, editable=False
    )

    objects = OrganisationQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                Lower("name"),
                name="organisation_name_unique_ignoring_case",
                violation_error_message="An organisation with this name already exists.",
            ),
            models.CheckConstraint(
                condition=Q(
                    kind__in=[
                        "housing_association",
                        "local_authority",
                        "charity",
                        "company",
                        "other",
                    ]
                ),
                name="organisation_kind_valid",
            ),
            models.CheckConstraint(
                condition=Q(register__in=["not_listed", "listed", "gone"]),
                name="organisation_register_valid",
            ),
        ]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        # Derived fields: the comparison key always follows the name; the slug is
        # set once and then kept, so published links do not break on a rename.
        self.match_key = match_key(self.name)
        self.search_name = search_fold(self.name)
        if not self.slug:
            self.slug = self._unique_slug()
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("organisations:detail", kwargs={"slug": self.slug})

    def _unique_slug(self):
        base = slugify(self.name)[:200] or "organisation"
        slug, n = base, 2
        while Organisation.objects.filter(slug=slug).exclude(pk=self.pk).exists():
            slug, n = f"{base}-{n}", n + 1
        return slug


class OrganisationAlias(models.Model):
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="aliases")
    name = models.CharField(max_length=200, validators=[single_line])
    match_key = models.CharField(max_length=200, editable=False, db_index=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "organisation aliases"
        constraints = [
            models.UniqueConstraint(
                Lower("name"),
                name="organisation_alias_unique_ignoring_case",
                violation_error_message="This alias is already in use.",
            ),
        ]

    def __str__(self):
        return f"{self.name} → {self.organisation.name}"

    def save(self, *args, **kwargs):
        self.match_key = match_key(self.name)
        super().save(*args, **kwargs)


class ConfirmedName(models.Model):
    """A name someone typed and then confirmed, through "Did you mean…?", as this
    organisation: offered to the organiser as an alias, accepted in one click, so the
    next person typing it is not asked again."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="confirmed_names"
    )
    name = models.CharField(max_length=200)
    match_key = models.CharField(max_length=200, editable=False)
    times = models.PositiveIntegerField(
        default=1, help_text="How many submissions confirmed this name."
    )
    last_confirmed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-last_confirmed_at", "pk"]
        verbose_name = "name confirmed through “Did you mean…?”"
        verbose_name_plural = "names confirmed through “Did you mean…?”"
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "match_key"],
                name="confirmed_name_unique_per_organisation",
            ),
        ]

    def __str__(self):
        return f"{self.name} → {self.organisation.name}"

    def save(self, *args, **kwargs):
        self.match_key = match_key(self.name)
        super().save(*args, **kwargs)
