from django import forms
from django.utils.translation import gettext_lazy as _

from games.models import LeaderboardChoice
from games.services import reinstate_badge, revoke_badge


class LeaderboardVisibilityForm(forms.Form):
    leaderboard = forms.ChoiceField(label=_("How you appear on leaderboards"), choices=LeaderboardChoice.choices,
                                    widget=forms.RadioSelect)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        if user is not None and user.is_minor:
            # Under 18: a nickname at most, never the full name.
            self.fields["leaderboard"].choices = [c for c in LeaderboardChoice.choices
                                                  if c[0] != LeaderboardChoice.NAME]


class BadgeAwardAdminForm(forms.ModelForm):
    """Staff revoke a badge by writing the (public) reason; clearing it reinstates the badge."""

    class Meta:
        from games.models import BadgeAward

        model = BadgeAward
        fields = ["revocation_reason"]
        labels = {"revocation_reason": _("Reason revoked (public; leave empty to keep the badge valid)")}

    def __init__(self, *args, for_user=None, **kwargs):
        super().__init__(*args, **kwargs)

    def save(self, commit=True):
        reason = (self.cleaned_data.get("revocation_reason") or "").strip()
        award = self.instance
        if reason:
            return revoke_badge(award=award, reason=reason)
        return reinstate_badge(award=award)

    def save_m2m(self):
        pass
