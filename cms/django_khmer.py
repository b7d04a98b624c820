"""Strings of Django's own catalogue that its Khmer translation leaves empty (time units, short
weekdays): named here so `makemessages` keeps them in ours, which Django reads first."""

from django.utils.translation import gettext_noop, ngettext_lazy

TIME_UNITS = [
    ngettext_lazy("%(num)d year", "%(num)d years", "num"),
    ngettext_lazy("%(num)d month", "%(num)d months", "num"),
    ngettext_lazy("%(num)d week", "%(num)d weeks", "num"),
    ngettext_lazy("%(num)d day", "%(num)d days", "num"),
    ngettext_lazy("%(num)d hour", "%(num)d hours", "num"),
    ngettext_lazy("%(num)d minute", "%(num)d minutes", "num"),
]
WEEKDAYS_ABBR = [gettext_noop("Mon"), gettext_noop("Tue"), gettext_noop("Wed"), gettext_noop("Thu"),
                 gettext_noop("Fri"), gettext_noop("Sat"), gettext_noop("Sun")]
