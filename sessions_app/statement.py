"""The attendance statement as a PDF, for a resident's training portfolio.

It holds the resident's name, the programme, the period, each session attended (date, time,
group or open session, length, whether they left early), the totals and when it was made.
Never notes, evaluations or other participants.
"""

from __future__ import annotations

import io

from django.utils import formats, timezone
from django.utils.translation import gettext as _

from residents.models import Programme

from .selectors.participation import Statement


def _date(value) -> str:
    return formats.date_format(value, "DATE_FORMAT")


def statement_pdf(statement: Statement, *, compress: bool = True) -> bytes:
    """The statement as PDF bytes. ``compress=False`` leaves the text streams readable, which
    the tests use to check what is on the page."""
    # reportlab (and Pillow, which it loads) only in the request that asks for a PDF: web
    # processes that never draw one do not carry them.
    from xml.sax.saxutils import escape

    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    programme = Programme.get()
    user = statement.resident.user
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer, pagesize=A4, pageCompression=1 if compress else 0,
        leftMargin=20 * mm, rightMargin=20 * mm, topMargin=20 * mm, bottomMargin=20 * mm,
        title=_("Attendance statement"), author=programme.name,
    )
    styles = getSampleStyleSheet()
    para = lambda text, style="Normal": Paragraph(escape(str(text)), styles[style])  # noqa: E731
    story = [
        para(_("Attendance statement — intervision"), "Title"),
        para(programme.name, "Heading3"),
        para(_("Resident: %(name)s") % {"name": user.get_full_name()}),
        para(_("Period: %(start)s to %(end)s")
             % {"start": _date(statement.start), "end": _date(statement.end)}),
    ]
    if statement.groups:
        story.append(para(_("Groups: %(groups)s") % {"groups": ", ".join(statement.groups)}))
    story.append(Spacer(1, 6 * mm))

    header = [_("Date"), _("Time"), _("Session"), _("Minutes"), _("Note")]
    body = []
    for p in statement.rows:
        start, end = timezone.localtime(p.session.start), timezone.localtime(p.session.end)
        body.append([
            _date(start.date()), f"{start:%H:%M}–{end:%H:%M}",
            str(p.session.group) if p.session.group_id else str(p.session),
            str(int((end - start).total_seconds()) // 60),
            _("left early for clinical duty") if p.left_early else "",
        ])
    if body:
        table = Table([header, *body], repeatRows=1, colWidths=[28 * mm, 28 * mm, 60 * mm, 18 * mm, 36 * mm])
        table.setStyle(TableStyle([
            ("FONTNAME", (0, 0), (-1, 0), "Helvetica-Bold"),
            ("LINEBELOW", (0, 0), (-1, 0), 0.5, colors.black),
            ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, colors.HexColor("#f2f2f2")]),
            ("FONTSIZE", (0, 0), (-1, -1), 9),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ]))
        story.append(table)
    else:
        story.append(para(_("No sessions attended in this period.")))
    story += [
        Spacer(1, 6 * mm),
        para(_("Sessions attended: %(count)s") % {"count": statement.total}),
        para(_("Total time: %(hours)s h %(minutes)s min")
             % {"hours": statement.total_minutes // 60, "minutes": statement.total_minutes % 60}),
        Spacer(1, 6 * mm),
        para(_("Generated on %(when)s")
             % {"when": formats.date_format(timezone.localtime(statement.generated_at), "DATETIME_FORMAT")},
             "Italic"),
    ]
    doc.build(story)
    return buffer.getvalue()
