"""The submission form: who is sending (SubmitterForm) and what (a formset of InnovationForm).

Max lengths come from the models, so the form and the database always agree. Messages
say what to do, naming the innovation they are about ("Enter a title for innovation 2").
"""

import re
import uuid

from django import forms
from django.core import signing
from django.core.validators import RegexValidator, URLValidator

from campaign.themes import campaign_questions, campaign_themes
from core.text import multi_line, single_line
from organisations.models import Organisation
from organisations.services import NEW_ORGANISATION

from . import pictures
from .models import Innovation, Response, Submission

MAX_INNOVATIONS = 20
FORMSET_PREFIX = "innovations"
SIGNING_SALT = "innovations.submission-token"


def new_token() -> str:
    """A signed, random one-time token; its UUID becomes the submission's receipt."""
    return signing.dumps(str(uuid.uuid4()), salt=SIGNING_SALT)


def read_token(value: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(signing.loads(value or "", salt=SIGNING_SALT))
    except (signing.BadSignature, ValueError, TypeError):
        return None


def _too_long(what):
    return f"{what} must be %(limit_value)d characters or fewer (it has %(show_value)d)"


NUL_MESSAGE = "Remove the invisible control characters (NUL) from {what}"
CONTROL_MESSAGE = (
    "Remove the invisible control characters (such as escape codes or text direction marks) "
    "from {what}"
)
NEWLINE_MESSAGE = "Keep {what} on one line"


def _typing_messages(what):
    """Messages for characters nobody means to type (core.text), naming the field."""
    return {
        "null_characters_not_allowed": NUL_MESSAGE.format(what=what),
        "control_characters": CONTROL_MESSAGE.format(what=what),
        "newline": NEWLINE_MESSAGE.format(what=what),
    }


class SubmitterForm(forms.ModelForm):
    organisation = forms.CharField(
        label="Organisation",
        max_length=Organisation._meta.get_field("name").max_length,
        help_text="The housing association or other organisation the innovations come from.",
        error_messages={
            "required": "Enter the name of your organisation",
            "max_length": _too_long("Organisation name"),
            **_typing_messages("the organisation name"),
        },
        validators=[single_line],
        widget=forms.TextInput(attrs={"list": "known-organisations", "autocomplete": "off"}),
    )
    # The answer to "Did you mean Knightstone?": an organisation id, or "new".
    organisation_choice = forms.CharField(
        label="Which is your organisation?",
        required=False,
        max_length=20,
        widget=forms.HiddenInput,
    )
    consent = forms.BooleanField(
        label="The innovations may be published with my organisation's name",
        help_text="Your name and email address are never published.",
        error_messages={"required": "Tick the box to agree that the innovations may be published"},
    )
    # A honeypot: hidden from people, filled in by bots.
    website = forms.CharField(
        label="Leave this empty",
        required=False,
        widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
    )
    token = forms.CharField(required=False, widget=forms.HiddenInput)

    class Meta:
        model = Submission
        fields = ["name", "email", "role", "twitter"]
        labels = {
            "name": "Your name",
            "email": "Email address",
            "role": "Job title or role (optional)",
            "twitter": "Twitter handle (optional)",
        }
        help_texts = {
            "email": "We send a confirmation here. It is never published.",
            "twitter": "So we can thank you, e.g. @140in140.",
        }
        error_messages = {
            "name": {
                "required": "Enter your name",
                "max_length": _too_long("Your name"),
                **_typing_messages("your name"),
            },
            "email": {
                "required": "Enter your email address",
                "invalid": "Enter an email address in the right format, like name@example.org",
                "max_length": _too_long("Email address"),
                **_typing_messages("your email address"),
            },
            "role": {
                "max_length": _too_long("Job title or role"),
                **_typing_messages("your job title"),
            },
            "twitter": {
                "max_length": _too_long("Twitter handle"),
                **_typing_messages("your Twitter handle"),
            },
        }
        widgets = {
            "name": forms.TextInput(attrs={"autocomplete": "name"}),
            "email": forms.EmailInput(attrs={"autocomplete": "email", "spellcheck": "false"}),
            "role": forms.TextInput(attrs={"autocomplete": "organization-title"}),
            "twitter": forms.TextInput(attrs={"spellcheck": "false"}),
        }

    twitter_validator = RegexValidator(
        r"^@?[A-Za-z0-9_]{1,15}$",
        "Enter a Twitter handle of up to 15 letters, numbers or underscores, like @140in140",
    )

    def __init__(self, *args, campaign=None, **kwargs):
        super().__init__(*args, **kwargs)
        if campaign is not None:
            noun = campaign.participant_singular
            self.fields["organisation"].help_text = (
                f"The {noun} or other organisation the innovations come from."
                if campaign.participant_kind
                else f"The {noun} the innovations come from."
            )
        self.suggestions = []
        self.token_was_bad = False
        if not self.is_bound:
            self.initial.setdefault("token", new_token())
        elif read_token(self.data.get("token", "")) is None:
            # A missing or forged token: ask them to send again, with a good one.
            self.token_was_bad = True
            self.data = self.data.copy()
            self.data["token"] = new_token()

    @property
    def receipt(self) -> uuid.UUID | None:
        return read_token(self.data.get("token", "") if self.is_bound else "")

    def clean_twitter(self):
        handle = self.cleaned_data["twitter"].strip()
        if handle:
            self.twitter_validator(handle)
        return handle.lstrip("@")

    def clean_organisation(self):
        name = re.sub(r"\s+", " ", self.cleaned_data["organisation"]).strip()
        if not name:
            raise forms.ValidationError(self.fields["organisation"].error_messages["required"])
        return name

    def clean(self):
        cleaned = super().clean()
        if self.token_was_bad:
            self.add_error(
                None,
                "Something went wrong with this form, so nothing was sent. "
                "Check your details and send it again.",
            )
        return cleaned

    def ask_which_organisation(self, typed: str, suggestions: list[Organisation]) -> None:
        """The "Did you mean Knightstone?" step: offer the near misses, or a new organisation."""
        self.suggestions = suggestions
        field = self.fields["organisation_choice"]
        field.widget = forms.RadioSelect(
            attrs={"class": "form-check-input"},
            choices=[(str(org.pk), org.name) for org in suggestions]
            + [(NEW_ORGANISATION, f"No, add “{typed}” as a new organisation")],
        )
        self.add_error(
            "organisation_choice",
            f"Did you mean {' or '.join(org.name for org in suggestions)}? "
            "Choose your organisation, or add it as a new one",
        )


class InnovationForm(forms.ModelForm):
    """One innovation: its words, theme and link, the campaign's own questions, a picture.

    A picture that passed its checks is stored at once, so that if anything else on the
    page needs correcting it is kept (a signed token in a hidden field names it) and need
    not be chosen again; the page says so.
    """

    link = forms.URLField(
        label="Link (optional)",
        required=False,
        max_length=Innovation._meta.get_field("link").max_length,
        assume_scheme="https",
        validators=[URLValidator(schemes=["http", "https"])],
        help_text="A web page, video or blog post about it.",
    )
    image = forms.FileField(
        label="A picture (optional)",
        required=False,
        help_text="A JPEG, PNG or WebP of up to 10 MB: a photo of it in action, not a logo.",
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
    )
    image_alt = forms.CharField(
        label="Describe the picture (needed if you add one)",
        required=False,
        max_length=Innovation._meta.get_field("image_alt").max_length,
        help_text="For people who cannot see it, e.g. “Two residents planting a raised bed”.",
    )
    image_token = forms.CharField(required=False, widget=forms.HiddenInput)

    class Meta:
        model = Innovation
        fields = ["title", "description", "theme", "link"]
        labels = {"title": "Title", "description": "What it is and what it changed"}
        help_texts = {
            "title": "A short name, like “Reverse mentoring for staff”.",
            "description": "A few sentences: what you did, for whom, and what difference it made.",
        }
        widgets = {"description": forms.Textarea(attrs={"rows": 5})}

    def __init__(self, *args, number=None, campaign=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.number = number
        self.picture = None  # the stored picture once clean() has run
        which = f"innovation {number}" if number else "this innovation"
        self.which = which
        # The campaign's themes and questions come from the cache: a form of twenty
        # innovations asks the database for them once, not twenty times.
        self.themes = {
            theme.slug: theme
            for theme in (campaign_themes(campaign) if campaign is not None else [])
            if not theme.hidden
        }
        self.fields["theme"] = forms.ChoiceField(
            label="Theme",
            choices=[
                ("", "Choose the closest theme"),
                *((slug, theme.name) for slug, theme in self.themes.items()),
            ],
        )
        self.questions = campaign_questions(campaign) if campaign is not None else []
        for question in self.questions:
            self.fields[f"question_{question.pk}"] = forms.CharField(
                label=question.text if question.required else f"{question.text} (optional)",
                help_text=question.help_text,
                required=question.required,
                max_length=question.max_length,
                widget=forms.Textarea(attrs={"rows": 4})
                if question.kind == question.Kind.LONG
                else forms.TextInput,
                error_messages={
                    "required": f"Answer “{question.text}” for {which}",
                    "max_length": _too_long(f"The answer to “{question.text}” for {which}"),
                },
            )
        messages = {
            "title": {
                "required": f"Enter a title for {which}",
                "max_length": _too_long(f"The title of {which}"),
            },
            "description": {
                "required": f"Describe {which}",
                "max_length": _too_long(f"The description of {which}"),
            },
            "theme": {
                "required": f"Choose a theme for {which}",
                "invalid_choice": f"Choose a theme for {which} from the list",
            },
            "link": {
                "invalid": f"Enter the link for {which} as a web address starting https://",
                "max_length": _too_long(f"The link for {which}"),
            },
            "image_alt": {"max_length": _too_long(f"The description of the picture for {which}")},
        }
        for name, field_messages in messages.items():
            field_messages.update(_typing_messages(f"the {name} of {which}"))
            self.fields[name].error_messages.update(field_messages)

    def clean_theme(self):
        return self.themes[self.cleaned_data["theme"]]

    def _get_validation_exclusions(self):
        # The theme field offers only the campaign's own themes (cached): the model's
        # check that the chosen one exists would ask the database again, per innovation.
        return {*super()._get_validation_exclusions(), "theme"}

    def clean_image(self):
        uploaded = self.cleaned_data.get("image")
        if not uploaded:
            return None
        try:
            self.picture = pictures.picture_store(pictures.read_upload(uploaded))
        except pictures.PictureError as error:
            raise forms.ValidationError(
                f"The picture for {self.which} {error}. Nothing was saved: choose another file"
            ) from error
        return uploaded

    def clean(self):
        cleaned = super().clean()
        if self.picture is None and "image" not in self.errors:
            self.picture = pictures.from_token(cleaned.get("image_token", ""))
        if self.picture is not None and not cleaned.get("image_alt", "").strip():
            self.add_error(
                "image_alt",
                f"Describe the picture for {self.which}, for people who cannot see it",
            )
        return cleaned

    @property
    def picture_kept(self):
        """The picture stored for this form (or named by its token), which a re-shown page keeps."""
        if self.picture is None and not hasattr(self, "_token_picture"):
            self._token_picture = pictures.from_token(self["image_token"].value() or "")
        return self.picture or getattr(self, "_token_picture", None)

    def answers(self):
        """{question: text} for the questions answered."""
        return {
            question: self.cleaned_data.get(f"question_{question.pk}", "").strip()
            for question in self.questions
            if self.cleaned_data.get(f"question_{question.pk}", "").strip()
        }

    def submission_fields(self):
        """What `submission_create` takes for this innovation."""
        data = self.cleaned_data
        return {
            "title": data["title"],
            "description": data["description"],
            "theme": data["theme"],
            "link": data.get("link", ""),
            "answers": self.answers(),
            "picture": self.picture,
            "image_alt": data.get("image_alt", "").strip() if self.picture else "",
        }


class SenderEditForm(InnovationForm):
    """What a sender may change on an innovation still waiting (the manage link): its
    words, theme and link. Answers and the picture stay as sent."""

    def __init__(self, *args, campaign=None, **kwargs):
        super().__init__(*args, campaign=campaign, **kwargs)
        for name in [*self.fields]:
            if name.startswith("question_") or name in ("image", "image_alt", "image_token"):
                del self.fields[name]
        self.questions = []
        own = self.instance.theme if self.instance.theme_id else None
        if own is not None and own.slug not in self.themes:
            # A theme hidden since it was sent stays the innovation's own choice.
            self.themes[own.slug] = own
            self.fields["theme"].choices = [*self.fields["theme"].choices, (own.slug, own.name)]
        if own is not None and not self.is_bound:
            self.initial["theme"] = own.slug


class BaseInnovationFormSet(forms.BaseFormSet):
    """Innovation forms, of which at least one must be filled in; blank ones are ignored."""

    default_error_messages = {
        "missing_management_form": (
            "Something went wrong with this form (the innovation count was missing), "
            "so nothing was sent. Please send it again."
        ),
        "too_many_forms": "You can send up to %(num)d innovations in one go",
        "too_few_forms": "Enter at least one innovation: a title and what it is",
    }

    def initial_form_count(self):
        # Every form is an "extra" one, so a blank form is ignored wherever it is.
        return 0

    def total_form_count(self):
        if self.is_bound:
            return super().total_form_count()
        return min(max(len(self.initial or ()), self.min_num), self.max_num)

    def get_form_kwargs(self, index):
        return {
            **super().get_form_kwargs(index),
            "number": None if index is None else index + 1,
            "empty_permitted": True,
            "use_required_attribute": False,
        }

    def filled_forms(self):
        return [form for form in self.forms if form.has_changed()]

    @property
    def pictures_kept(self):
        return [form for form in self.forms if form.picture is not None]


InnovationFormSet = forms.formset_factory(
    InnovationForm,
    formset=BaseInnovationFormSet,
    extra=0,
    min_num=1,
    validate_min=True,
    max_num=MAX_INNOVATIONS,
    validate_max=True,
    absolute_max=MAX_INNOVATIONS,
)


def typed_innovations(data, *, limit=MAX_INNOVATIONS) -> list[dict]:
    """What was typed into the innovation forms, read leniently from raw POST data.

    Used to keep people's words when the form is re-shown without validating it
    (adding a form, or a campaign that closed while they typed).
    """
    try:
        total = int(data.get(f"{FORMSET_PREFIX}-TOTAL_FORMS", 1))
    except (TypeError, ValueError):
        total = 1
    limits = {
        name: Innovation._meta.get_field(name).max_length
        for name in [*InnovationForm._meta.fields, "image_alt"]
    }
    rows = []
    for index in range(max(1, min(total, limit))):
        prefix = f"{FORMSET_PREFIX}-{index}-"
        row = {name: str(data.get(prefix + name, ""))[:limit] for name, limit in limits.items()}
        # The campaign's own questions, and a picture kept from an earlier try.
        for key, value in data.items():
            if key.startswith(prefix + "question_") or key == prefix + "image_token":
                row[key.removeprefix(prefix)] = str(value)[:2000]
        rows.append(row)
    return rows


def _anchor(bound_field) -> str:
    """The id to link to for a field: a radio group's first button, else the control."""
    if isinstance(bound_field.field.widget, forms.RadioSelect):
        return f"{bound_field.auto_id}_0"
    return bound_field.id_for_label or bound_field.auto_id


AFTER_INNOVATIONS = ("consent",)


def error_summary(submitter: SubmitterForm, formset: BaseInnovationFormSet) -> list[dict]:
    """Every error, in page order, with the id of the field it is about (GOV.UK pattern)."""
    items = [{"text": error, "href": "#submission-form"} for error in submitter.non_field_errors()]

    def field_errors(names):
        for name in names:
            for error in submitter.errors.get(name, []):
                items.append({"text": error, "href": f"#{_anchor(submitter[name])}"})

    # "About you" comes before the innovations and the consent box after them, as on the page.
    field_errors(name for name in submitter.fields if name not in AFTER_INNOVATIONS)
    items.extend(formset_error_summary(formset))
    field_errors(AFTER_INNOVATIONS)
    return items


def formset_error_summary(formset: BaseInnovationFormSet) -> list[dict]:
    """The innovations' part of the error summary (also for "add more" on the manage page)."""
    items = []
    if formset.is_bound and not formset.management_form.is_valid():
        # Django follows this error with "too few forms"; the cause is what matters.
        text = formset.error_messages["missing_management_form"]
        items.append({"text": text, "href": "#innovation-forms"})
        return items
    for form in formset.forms:
        items.extend(form_error_summary(form))
    first = formset.forms[0]["title"].id_for_label if formset.forms else "innovation-forms"
    for error in formset.non_form_errors():
        items.append({"text": error, "href": f"#{first}"})
    return items


def form_error_summary(form: forms.Form) -> list[dict]:
    """One form's errors, in page order, each linking to its field."""
    items = [{"text": error, "href": "#main"} for error in form.non_field_errors()]
    for name in form.fields:
        for error in form.errors.get(name, []):
            items.append({"text": error, "href": f"#{_anchor(form[name])}"})
    return items


class CorrectionForm(forms.Form):
    message = forms.CharField(
        label="What should be corrected?",
        max_length=Innovation._meta.get_field("correction_request").max_length,
        widget=forms.Textarea(attrs={"rows": 4}),
        validators=[multi_line],
        help_text="The organiser reads it beside your innovation and makes the change.",
        error_messages={
            "required": "Say what should be corrected",
            "max_length": _too_long("Your message"),
            "null_characters_not_allowed": NUL_MESSAGE.format(what="your message"),
        },
    )


class _LinkLimit:
    """Refuses text with more than MAX_LINKS web addresses (link-stuffed spam)."""

    def __init__(self, what):
        self.what = what

    def __call__(self, value):
        from .services import MAX_LINKS, link_count

        if link_count(value) > MAX_LINKS:
            raise forms.ValidationError(
                f"{self.what} can hold at most {MAX_LINKS} web addresses: remove some links"
            )


class _OrganisationChoice:
    """The form's "Did you mean…?" for a typed organisation name, as SubmitterForm does it."""

    def ask_which_organisation(self, typed, suggestions):
        SubmitterForm.ask_which_organisation(self, typed, suggestions)


class ResponseForm(_OrganisationChoice, forms.Form):
    """ "We do this too" or "We'd like to try this", from staff of another organisation."""

    kind = forms.ChoiceField(
        label="What would you like to say?",
        choices=Response.Kind.choices,
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
        error_messages={
            "required": "Choose “We do this too” or “We'd like to try this”",
            "invalid_choice": "Choose “We do this too” or “We'd like to try this”",
        },
    )
    name = forms.CharField(
        label="Your name",
        max_length=Response._meta.get_field("name").max_length,
        error_messages={"required": "Enter your name", "max_length": _too_long("Your name")},
        validators=[single_line],
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    email = forms.EmailField(
        label="Work email address",
        max_length=254,
        help_text="We send a link here to confirm it. It is never published.",
        error_messages={
            "required": "Enter your email address",
            "invalid": "Enter an email address in the right format, like name@example.org",
        },
        widget=forms.EmailInput(attrs={"autocomplete": "email", "spellcheck": "false"}),
    )
    organisation = forms.CharField(
        label="Your organisation",
        max_length=Organisation._meta.get_field("name").max_length,
        help_text="The housing association or other organisation you work for.",
        error_messages={
            "required": "Enter the name of your organisation",
            "max_length": _too_long("Organisation name"),
        },
        widget=forms.TextInput(attrs={"list": "known-organisations", "autocomplete": "off"}),
    )
    organisation_choice = forms.CharField(
        label="Which is your organisation?",
        required=False,
        max_length=20,
        widget=forms.HiddenInput,
    )
    note = forms.CharField(
        label="A note for others (optional)",
        required=False,
        max_length=Response._meta.get_field("note").max_length,
        help_text="Up to 500 characters: how you do it, or what you would like to know. "
        "It appears once the organiser has read it.",
        error_messages={"max_length": _too_long("The note")},
        validators=[multi_line, _LinkLimit("The note")],
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    consent = forms.BooleanField(
        label="My organisation's name and my note may be published",
        help_text="Your name and email address are never published.",
        error_messages={
            "required": "Tick the box to agree that your organisation's name may be published"
        },
    )
    website = forms.CharField(
        label="Leave this empty",
        required=False,
        widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.suggestions = []

    clean_organisation = SubmitterForm.clean_organisation


class QuestionForm(forms.Form):
    """A message to the person who shared an innovation, relayed by email."""

    name = forms.CharField(
        label="Your name",
        max_length=100,
        error_messages={"required": "Enter your name", "max_length": _too_long("Your name")},
        validators=[single_line],
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    email = forms.EmailField(
        label="Your email address",
        max_length=254,
        help_text="Their reply comes here. We do not publish it.",
        error_messages={
            "required": "Enter your email address, so they can reply",
            "invalid": "Enter an email address in the right format, like name@example.org",
        },
        widget=forms.EmailInput(attrs={"autocomplete": "email", "spellcheck": "false"}),
    )
    message = forms.CharField(
        label="Your message",
        max_length=2000,
        help_text="Up to 2,000 characters and 2 web addresses.",
        error_messages={
            "required": "Write your message",
            "max_length": _too_long("Your message"),
        },
        validators=[multi_line, _LinkLimit("Your message")],
        widget=forms.Textarea(attrs={"rows": 8}),
    )
    website = forms.CharField(
        label="Leave this empty",
        required=False,
        widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
    )

    def clean_message(self):
        return self.cleaned_data["message"].strip()


def simple_error_summary(form, form_id: str) -> list[dict]:
    """Every error of one form, in field order, linked to its field (or the form)."""
    items = [{"text": error, "href": f"#{form_id}"} for error in form.non_field_errors()]
    for name in form.fields:
        for error in form.errors.get(name, []):
            items.append({"text": error, "href": f"#{_anchor(form[name])}"})
    return items
