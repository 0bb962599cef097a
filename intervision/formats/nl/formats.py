"""Dutch dates: "di 8 dec. 2026", "di 8 dec. 2026, 16:00" (``N``: the month as abbreviated in
running text)."""

from django.utils.translation import pgettext_lazy

DATE_FORMAT = "D j N Y"
DATETIME_FORMAT = "D j N Y, H:i"
SHORT_DATE_FORMAT = "j N Y"
SHORT_DATETIME_FORMAT = "D j N, H:i"
MONTH_DAY_FORMAT = "j N"
YEAR_MONTH_FORMAT = "F Y"
TIME_FORMAT = "H:i"


# ``N`` writes Django's abbreviated month names (``django.utils.dates.MONTHS_AP``), which Django's
# own Dutch catalogue gives without the full stop Dutch running text uses ("dec" for "dec.").
# Named here, lazily and unused, so that makemessages keeps them in our catalogue, which reads
# "jan.", …, "dec." and comes before Django's.
MONTHS_AP = (
    pgettext_lazy("abbrev. month", "Jan."), pgettext_lazy("abbrev. month", "Feb."),
    pgettext_lazy("abbrev. month", "March"), pgettext_lazy("abbrev. month", "April"),
    pgettext_lazy("abbrev. month", "May"), pgettext_lazy("abbrev. month", "June"),
    pgettext_lazy("abbrev. month", "July"), pgettext_lazy("abbrev. month", "Aug."),
    pgettext_lazy("abbrev. month", "Sept."), pgettext_lazy("abbrev. month", "Oct."),
    pgettext_lazy("abbrev. month", "Nov."), pgettext_lazy("abbrev. month", "Dec."),
)
