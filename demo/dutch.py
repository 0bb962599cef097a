"""The demo programme in Dutch (``DEMO_LANGUAGE=nl make run``): the names a Dutch teaching
hospital gives its specialties, departments, rooms and groups, and the texts people typed
(open sessions' titles, why a session was cancelled, evaluation comments) in Dutch. Applied to
a freshly built programme, so the builders keep one set of names (and the benchmarks theirs)."""

from __future__ import annotations

from residents.models import Department, Specialty, User
from sessions_app.models import Evaluation, IntervisionGroup, Session, SessionStatusChange

from .groups import LOCATIONS, RIVERS
from .people import DOMAIN
from .sessions import CANCEL_NOTES, EVALUATION_COMMENTS

SPECIALTIES = {
    "Internal Medicine": "Interne geneeskunde",
    "Surgery": "Heelkunde",
    "Paediatrics": "Kindergeneeskunde",
    "Psychiatry": "Psychiatrie",
    "Anaesthesiology": "Anesthesiologie",
    "Cardiology": "Cardiologie",
    "Neurology": "Neurologie",
    "Obstetrics and Gynaecology": "Obstetrie en gynaecologie",
    "Emergency Medicine": "Spoedeisende geneeskunde",
    "Radiology": "Radiologie",
    "Pulmonology": "Longziekten",
    "Orthopaedics": "Orthopedie",
}
DEPARTMENTS = {
    "Internal Medicine": "Interne Geneeskunde",
    "Surgery": "Chirurgie",
    "Children's Hospital": "Kinderziekenhuis",
    "Psychiatry": "Psychiatrie",
    "Heart Centre": "Hartcentrum",
    "Neurosciences": "Neurocentrum",
    "Anaesthesiology and ICU": "Anesthesiologie en IC",
    "Women's Health": "Vrouw en Kind",
    "Emergency Department": "Spoedeisende Hulp",
    "Imaging": "Radiologie en Nucleaire Geneeskunde",
}
ROOMS = dict(zip(LOCATIONS, [
    "Onderwijscentrum, zaal 4.12", "Onderwijscentrum, zaal 4.14", "Bibliotheek, stilteruimte 2",
    "Bestuurskamer, 9e verdieping", "Trainingscentrum, lokaal B3", "Videogesprek (Teams)",
], strict=True))
TITLES = {
    "Make-up session": "Inhaalbijeenkomst",
    "Drop-in session: working in the emergency department": "Inloopbijeenkomst: werken op de SEH",
}
CANCELLED = dict(zip(CANCEL_NOTES, [
    "De intervisor is ziek.",
    "Te weinig leden konden komen: twee in nachtdienst, één met verlof.",
    "De zaal was nodig voor een nabespreking van het traumateam.",
], strict=True))
COMMENTS = dict(zip(EVALUATION_COMMENTS, [
    "Fijn om te horen dat ik niet de enige ben die hiermee worstelt.",
    "Het einde voelde gehaast; kunnen we de volgende keer twee uur nemen?",
    "Veilige sfeer, ik heb meer gezegd dan ik van plan was.",
    "Lastig om de pieper anderhalf uur uit te zetten.",
    "De casusbespreking hielp me een moeilijk gesprek voor te bereiden.",
    "Ik zou willen dat de intervisor iets meer stuurt.",
    "Fijne groep, maar ik werd halverwege weggeroepen.",
    "Goed om samen terug te kijken op de nachtdiensten.",
], strict=True))


def group_name_nl(english: str) -> str:
    """"Amstel group" → "Amstelgroep", "Amstel 2 group" → "Amstelgroep 2"."""
    stem = english.removesuffix(" group")
    river, _, number = stem.partition(" ")
    return f"{river}groep {number}".strip() if river in RIVERS else english


def _rename(model, field: str, names: dict[str, str], **only) -> None:
    for english, dutch in names.items():
        model.objects.filter(**{field: english}, **only).update(**{field: dutch})


def demo_in_dutch() -> None:
    """Give the demo programme just built its Dutch names and texts, and its known log-ins the
    Dutch interface."""
    _rename(Specialty, "name", SPECIALTIES)
    _rename(Department, "name", DEPARTMENTS)
    _rename(IntervisionGroup, "location", ROOMS)
    _rename(Session, "location", ROOMS)
    _rename(Session, "title", TITLES)
    _rename(SessionStatusChange, "note", CANCELLED)
    _rename(Evaluation, "comment", COMMENTS)
    groups = list(IntervisionGroup.objects.filter(intervisor__user__email__iendswith=DOMAIN))
    for group in groups:
        group.name = group_name_nl(group.name)
    IntervisionGroup.objects.bulk_update(groups, ["name"])
    User.objects.filter(email__iendswith=DOMAIN).update(language="nl")
