import math
from datetime import timedelta

from django import forms
from django.contrib.humanize.templatetags.humanize import intcomma
from django.template.defaultfilters import pluralize

from core.timewords import when_words

from .models import (
    DEFAULT_LENGTH_HOURS,
    DEFAULT_PARTICIPANT_NOUN,
    Campaign,
    bare_hashtag,
    closing_time,
)
from .services import innovations_outside


class CampaignScheduleForm(forms.ModelForm):
    """Create or edit a campaign from its opening time and length in hours.

    The closing time is computed, never typed: people get deadline arithmetic
    wrong (the 2014 call said 9.05am Saturday for a 140-hour run from 8.59am Monday).
    """

    length_hours = forms.IntegerField(
        label="Length in hours",
        min_value=1,
        max_value=24 * 366,
        initial=DEFAULT_LENGTH_HOURS,
        help_text="The campaign closes exactly this many hours after it opens.",
    )

    class Meta:
        model = Campaign
        fields = [
            "title",
            "slug",
            "intro",
            "target",
            "hashtag",
            "participant_noun",
            "participant_kind",
            "opens_at",
        ]
        help_texts = {
            "intro": (
                "Shown on the campaign's page. Markdown: **bold**, *italic*, "
                "[a link](https://example.org), lists with “- ”. HTML is shown as typed, "
                "not run."
            ),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Left empty, the campaign speaks of "organisations".
        if "participant_noun" in self.fields:  # not when shown read-only
            self.fields["participant_noun"].required = False
        if self.instance.pk:
            self.fields["length_hours"].initial = round(self.instance.length_hours)

    def clean_hashtag(self):
        return bare_hashtag(self.cleaned_data["hashtag"])

    def clean_participant_noun(self):
        return self.cleaned_data["participant_noun"].strip() or DEFAULT_PARTICIPANT_NOUN

    def clean(self):
        cleaned = super().clean()
        opens_at, hours = cleaned.get("opens_at"), cleaned.get("length_hours")
        unchanged = {"opens_at", "length_hours"}.isdisjoint(self.changed_data)
        if self.instance.pk and unchanged:
            # Keep the closing time as it is: one set by "Close now" is not whole hours.
            return cleaned
        if opens_at and hours:
            closes_at = closing_time(opens_at, hours)
            self._refuse_a_schedule_that_leaves_innovations_out(opens_at, closes_at)
            self.instance.closes_at = closes_at
        return cleaned

    def _refuse_a_schedule_that_leaves_innovations_out(self, opens_at, closes_at):
        """Closing early must not rewrite history: a closing time before innovations
        already received (or an opening time after them) is refused, saying how many."""
        before, after = innovations_outside(self.instance, opens_at=opens_at, closes_at=closes_at)
        if after:
            latest = self.instance.innovations.order_by("-created_at").first().created_at
            needed = math.floor((latest - opens_at) / timedelta(hours=1)) + 1
            self.add_error(
                "length_hours",
                f"{intcomma(after)} {_noun(after)} received at or after "
                f"{when_words(closes_at)}, when this length would close the campaign: "
                f"choose at least {intcomma(needed)} hour{pluralize(needed)} to keep "
                f"{_them(after)}, or use the “Close now” action to close it at this moment.",
            )
        if before:
            self.add_error(
                "opens_at",
                f"{intcomma(before)} {_noun(before)} received before "
                f"{when_words(opens_at)}: choose an opening time no later than the first.",
            )


def _noun(count):
    return "innovation was" if count == 1 else "innovations were"


def _them(count):
    return "it" if count == 1 else "them"
