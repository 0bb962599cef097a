"""The coordinator's dashboard: one page of charts, each with its table and a CSV download.

Charts are SVG drawn on the server by the partials in templates/sessions_app/dashboard/, from
numbers and texts laid out here: no script, no inline style (the Content-Security-Policy allows
neither), readable by screen readers through ``<title>`` and the table beside each chart.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import lru_cache
from urllib.parse import urlencode

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import formats, timezone
from django.utils.dates import WEEKDAYS_ABBR
from django.utils.text import slugify
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from residents.access import coordinator_required

from ..csv_export import csv_response
from ..forms.dashboard import DashboardFilterForm, default_period
from ..models import AbsenceReason
from ..selectors import dashboard as selectors

REASON_COLOURS = {
    AbsenceReason.CLINICAL_DUTY: "#c0392b",  # the climate signal stands out
    AbsenceReason.LEAVE: "#7f8c8d",
    AbsenceReason.ILLNESS: "#95a5a6",
    AbsenceReason.PERSONAL: "#b2bec3",
    AbsenceReason.OTHER: "#dfe6e9",
}
UNEXPLAINED_COLOUR = "#f1f2f6"
BAR_COLOUR = "#0d6efd"


# --- Tables: what the page shows beside each chart and what the CSV holds ----------------------

@dataclass
class Table:
    slug: str
    title: str
    headers: list[str]
    rows: list[list[object]] = field(default_factory=list)

    @property
    def body(self) -> list[tuple[object, list[object]]]:
        """Each row as its heading cell and the others, as the page writes them."""
        return [(row[0], row[1:]) for row in self.rows]


def _pct(rate: float | None) -> str:
    return "—" if rate is None else f"{round(rate * 100)}%"


def _month_names() -> dict[int, str]:
    """The month as the language's ``DATE_FORMAT`` abbreviates it ("Dec", Dutch "dec.") for
    each month number, looked up once per language rather than parsing the format per date."""
    return _month_names_in(get_language())


@lru_cache(maxsize=8)
def _month_names_in(language: str) -> dict[int, str]:
    letter = "N" if "N" in formats.get_format("DATE_FORMAT") else "M"
    return {n: formats.date_format(dt.date(2000, n, 1), letter) for n in range(1, 13)}


def _months(days: list[dt.date]) -> list[str]:
    """``date_format(day, "M Y")`` for each (see ``_month_names``)."""
    names = _month_names()
    return [f"{names[d.month]} {d.year:04d}" for d in days]


def _starts(moments: list[dt.datetime]) -> list[str]:
    """``date_format(moment, "DATETIME_FORMAT")`` ("D j M Y, H:i") for each (see
    ``_month_names``)."""
    days = {n: str(name) for n, name in WEEKDAYS_ABBR.items()}
    months = _month_names()
    return [f"{days[m.weekday()]} {m.day} {months[m.month]} {m.year}, {m:%H:%M}" for m in moments]


def build_tables(data: dict) -> dict[str, Table]:
    tables = {}
    t = Table("upcoming", _("Upcoming sessions"), [
        _("Session"), _("Starts"), _("Intervisor"), _("Yes"), _("No"), _("Maybe"), _("No answer"),
        _("Waiting for"),
    ])
    starts = _starts([timezone.localtime(r.start) for r in data["upcoming"]])
    for r, start in zip(data["upcoming"], starts, strict=True):
        t.rows.append([r.label, start, r.intervisor,
                       r.yes, r.no, r.maybe, r.unanswered, ", ".join(r.waiting_for)])
    tables[t.slug] = t

    t = Table("groups", _("Groups: cadence, continuity and attendance"), [
        _("Group"), _("Held"), _("Cadence asks for"), _("Cadence kept"), _("Still planned"),
        _("Cancelled"), _("Intervisors who led"), _("Attendance"),
    ])
    kept_text = {None: "—", True: _("yes"), False: _("no")}
    for r in data["groups"]:
        kept = kept_text[r.cadence_kept]
        t.rows.append([r.group.name, r.held, r.expected, kept, r.planned, r.cancelled, r.intervisors,
                       _pct(r.attendance)])
    tables[t.slug] = t

    timeline = data["timeline"]
    t = Table("attendance", _("Attendance per month"),
              [_("Series"), *_months(timeline.months)])
    for label, cells in [(_("All"), timeline.overall), *timeline.series.items()]:
        t.rows.append([label] + [_pct(cells.get(m, selectors.Cell()).rate) for m in timeline.months])
    tables[t.slug] = t

    labels = {value: str(label) for value, label in AbsenceReason.choices}
    t = Table("absences", _("Absence reasons by department"), [
        _("Department"), *(labels[r] for r in selectors.REASONS), _("No reason given"),
        _("Share clinical duty"), _("Left early for clinical duty"),
    ])
    for r in data["absences"]:
        t.rows.append([r.department, *(r.counts[reason] for reason in selectors.REASONS), r.unexplained,
                       _pct(r.clinical_share), r.left_early])
    tables[t.slug] = t

    ev = data["evaluations"]
    t = Table("evaluations", _("Evaluations (averages, 1–5)"), [
        _("Group"), _("Answers"), _("Safety"), _("Depth"), _("Guidance"), _("Value"), _("Exhaustion"),
    ])
    for row in [ev.overall, *ev.groups]:
        if row.averages is None:
            hidden = _("fewer than %(n)d answers: not shown") % {"n": ev.threshold}
            t.rows.append([row.label, hidden] + ["—"] * len(selectors.EVALUATION_ITEMS))
        else:
            t.rows.append([row.label, row.answers]
                          + [round(row.averages[i], 1) for i in selectors.EVALUATION_ITEMS])
    tables[t.slug] = t

    themes = data["themes"]
    t = Table("themes", _("Themes of session notes (number of notes)"), [_("Theme"), _("Notes")])
    t.rows += [[name, count] for name, count in themes.shown]
    tables[t.slug] = t
    return tables


# --- Charts -----------------------------------------------------------------------------------------
# The view lays the charts out (coordinates as numbers, colours, texts); the partials under
# templates/sessions_app/dashboard/ draw them.

LABEL_W, BAR_W, VALUE_W, ROW_H = 170, 300, 70, 22


def _short(text: str, n: int = 24) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def _ident(title: str) -> str:
    """The id the chart's <title> gets, for its aria-labelledby."""
    return "chart-" + slugify(title)[:40]


def hbar_chart(title: str, bars: list[dict], *, axis: str = "") -> dict:
    """Horizontal bars. Each bar: label, segments [(fraction, colour, title)], value text,
    optional marker (fraction) and link (a query string); ``axis`` says what the bars measure
    (written under the chart, where it wraps on a phone). Each bar gets the offset of its row;
    _bar_chart.html writes the layout inside a row. The first segment starts where the bar
    does; the others (``more``) say where they start."""
    rows = []
    for n, bar in enumerate(bars):
        x, segments = LABEL_W, []
        for fraction, colour, seg_title in bar["segments"]:
            width = round(max(0.0, min(1.0, fraction)) * BAR_W, 1)
            segments.append((x, width, colour, seg_title))
            x += width
        _x, width, fill, seg_title = segments[0]
        marker = bar.get("marker")
        rows.append({
            "top": n * ROW_H, "label": bar["label"], "short": _short(bar["label"]),
            "link": bar.get("link"), "width": width, "fill": fill, "title": seg_title,
            "more": segments[1:], "value": bar["value"],
            "marker": None if marker is None else LABEL_W + round(min(1.0, marker) * BAR_W, 1),
        })
    return {
        "title": title, "ident": _ident(title), "bars": rows, "axis": axis,
        "width": LABEL_W + BAR_W + VALUE_W, "height": max(1, len(bars)) * ROW_H + 4,
    }


@lru_cache(maxsize=128)
def _shade(percent: int) -> str:
    light, dark = (227, 238, 250), (13, 71, 161)
    r, g, b = (round(lo + (hi - lo) * percent / 100) for lo, hi in zip(light, dark, strict=True))
    return f"#{r:02x}{g:02x}{b:02x}"


def _blue(rate: float | None) -> str:
    """A single-hue scale (readable for colour-blind people): pale for low, dark for high."""
    return "#eeeeee" if rate is None else _shade(round(rate * 100))


CELL_W = 34


def heatmap(title: str, timeline: selectors.Timeline) -> dict:
    """One row per series, one cell per month, shaded by the share present. Each row gets its
    offset; _heatmap.html writes the layout inside a row."""
    series = [(_("All"), timeline.overall), *timeline.series.items()]
    month_names = _months(timeline.months)
    empty_text = _("%(series)s, %(month)s: no attendance recorded")
    rate_text = _("%(series)s, %(month)s: %(rate)s present (%(present)d of %(recorded)d)")
    rows = []
    for n, (label, cells) in enumerate(series):
        row = {"top": n * ROW_H, "label": _short(label), "cells": []}
        for m, month in enumerate(timeline.months):
            cell = cells.get(month)
            rate = cell.rate if cell else None
            facts = {"series": label, "month": month_names[m]}
            if rate is None:
                text = empty_text % facts
            else:
                text = rate_text % {**facts, "rate": _pct(rate), "present": cell.present,
                                    "recorded": cell.recorded}
            row["cells"].append((LABEL_W + m * CELL_W, _blue(rate), text))
        rows.append(row)
    names = _month_names()
    months = [(LABEL_W + m * CELL_W + CELL_W / 2, names[month.month])
              for m, month in enumerate(timeline.months)]
    return {
        "title": title, "ident": _ident(title), "rows": rows, "months": months,
        "width": LABEL_W + max(1, len(timeline.months)) * CELL_W + 4,
        "height": len(rows) * ROW_H + 30, "axis_y": len(rows) * ROW_H + 14,
    }


def build_charts(data: dict, query: dict) -> dict:
    groups = data["groups"]
    present_text = _("%(group)s: %(rate)s present")
    charts = {
        "attendance_by_group": hbar_chart(_("Attendance rate per group"), [
            {"label": r.group.name, "value": _pct(r.attendance),
             "segments": [(r.attendance or 0, BAR_COLOUR,
                           present_text % {"group": r.group.name, "rate": _pct(r.attendance)})]}
            for r in groups
        ], axis=_("Share of recorded residents present, 0 to 100%")),
    }
    most = max([r.held for r in groups] + [r.expected for r in groups] + [1])
    held_text = _("%(group)s: %(held)d held, cadence asks for %(expected)d")
    charts["cadence"] = hbar_chart(_("Sessions held (bar) against what the cadence asks for (line)"), [
        {"label": r.group.name, "value": f"{r.held} / {r.expected}",
         "segments": [(r.held / most, "#198754" if r.cadence_kept in (True, None) else "#fd7e14",
                       held_text % {"group": r.group.name, "held": r.held, "expected": r.expected})],
         "marker": r.expected / most}
        for r in groups
    ], axis=_("Bar: sessions held · line: sessions the cadence asks for · held / asked"))
    labels = {value: str(label) for value, label in AbsenceReason.choices}
    no_reason, clinical_text = _("No reason given"), _("%(share)s clinical")
    absence_bars = []
    for r in data["absences"]:
        total = r.total or 1
        segments = [(r.counts[reason] / total, REASON_COLOURS[reason],
                     f"{r.department}: {labels[reason]} {r.counts[reason]}") for reason in selectors.REASONS]
        segments.append((r.unexplained / total, UNEXPLAINED_COLOUR,
                         f"{r.department}: {no_reason} {r.unexplained}"))
        absence_bars.append({
            "label": r.department, "segments": segments,
            "value": clinical_text % {"share": _pct(r.clinical_share)},
            "link": urlencode({**query, "department": r.department_id}),
        })
    charts["absences"] = hbar_chart(
        _("Absence reasons by department (clinical duty in red)"), absence_bars,
        axis=_("Share of the answers “no” per reason; right: the share for clinical duty"))
    charts["absence_legend"] = [
        (labels[reason], REASON_COLOURS[reason]) for reason in selectors.REASONS
    ] + [(no_reason, UNEXPLAINED_COLOUR)]
    charts["timeline"] = heatmap(_("Attendance per month"), data["timeline"])
    overall = data["evaluations"].overall
    item_labels = {"safety": _("Safety"), "depth": _("Depth"), "guidance": _("Guidance"),
                   "value": _("Value"), "exhaustion": _("Exhaustion")}
    charts["evaluations"] = None if overall.averages is None else hbar_chart(
        _("Average answers across groups (1–5)"), [
            {"label": item_labels[i], "value": f"{overall.averages[i]:.1f}",
             "segments": [(overall.averages[i] / 5, BAR_COLOUR,
                           f"{item_labels[i]}: {overall.averages[i]:.1f}")]}
            for i in selectors.EVALUATION_ITEMS
        ], axis=_("Average answer, from 1 (not at all) to 5 (fully)"))
    shown = data["themes"].shown
    top = max([c for _n, c in shown] + [1])
    charts["themes"] = hbar_chart(_("Themes of session notes"), [
        {"label": name, "value": str(count), "segments": [(count / top, BAR_COLOUR, f"{name}: {count}")]}
        for name, count in shown
    ], axis=_("Number of notes tagged with the theme"))
    return charts


def by_links(filters: selectors.Filters, query: dict) -> list[dict]:
    """The ways to split attendance over time, each with the query that keeps the other
    filters; the current one has none."""
    return [
        {"label": label, "query": None if value == filters.by else urlencode({**query, "by": value})}
        for value, label in DashboardFilterForm.base_fields["by"].choices
    ]


# --- Views ---------------------------------------------------------------------------------------

def _load(request: HttpRequest) -> tuple[DashboardFilterForm, selectors.Filters, dict]:
    now = timezone.now()
    today = timezone.localdate(now)
    start, end = default_period(today)
    form = DashboardFilterForm(request.GET or None, initial={"start": start, "end": end})
    filters = form.filters(today)
    return form, filters, selectors.dashboard(filters, now=now)


def _query(form: DashboardFilterForm, filters: selectors.Filters) -> dict:
    query = {"start": filters.start.isoformat(), "end": filters.end.isoformat(), "by": filters.by}
    if filters.department is not None:
        query["department"] = filters.department.pk
    if filters.specialty is not None:
        query["specialty"] = filters.specialty.pk
    return query


@coordinator_required
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    form, filters, data = _load(request)
    query = _query(form, filters)
    return render(request, "sessions_app/dashboard/dashboard.html", {
        "form": form, "filters": filters, "data": data, "tables": build_tables(data),
        "charts": build_charts(data, {k: v for k, v in query.items() if k != "department"}),
        "query": urlencode(query), "by_links": by_links(filters, query),
        # Compared with each option's id: no lookup that fails when there is no filter.
        "department_pk": getattr(filters.department, "pk", None),
        "specialty_pk": getattr(filters.specialty, "pk", None),
    })


@coordinator_required
@require_GET
def dashboard_export(request: HttpRequest, table: str) -> HttpResponse:
    _form, filters, data = _load(request)
    tables = build_tables(data)
    if table not in tables:
        raise Http404
    t = tables[table]
    filename = f"intervision-{t.slug}-{filters.start.isoformat()}-{filters.end.isoformat()}.csv"
    return csv_response(filename, t.headers, t.rows)
