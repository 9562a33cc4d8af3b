from django import forms

from .models import DEFAULT_LENGTH_HOURS, Campaign, bare_hashtag, closing_time


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
        fields = ["title", "slug", "intro", "target", "hashtag", "opens_at"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["length_hours"].initial = round(self.instance.length_hours)

    def clean_hashtag(self):
        return bare_hashtag(self.cleaned_data["hashtag"])

    def clean(self):
        cleaned = super().clean()
        opens_at, hours = cleaned.get("opens_at"), cleaned.get("length_hours")
        if opens_at and hours:
            self.instance.closes_at = closing_time(opens_at, hours)
        return cleaned
