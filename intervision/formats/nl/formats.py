"""Dutch dates: "di 8 dec. 2026", "di 8 dec. 2026, 16:00" (``N``: the month as abbreviated in
running text)."""

DATE_FORMAT = "D j N Y"
DATETIME_FORMAT = "D j N Y, H:i"
SHORT_DATE_FORMAT = "j N Y"
SHORT_DATETIME_FORMAT = "D j N, H:i"
MONTH_DAY_FORMAT = "j N"
YEAR_MONTH_FORMAT = "F Y"
TIME_FORMAT = "H:i"
