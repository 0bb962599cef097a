"""The Dutch translation: complete, compiled, and what people see with Dutch as their language.

locale/nl/LC_MESSAGES/django.po is read with the small parser below (no polib). When a test here
fails because strings were added, refresh and translate the catalogue, then compile it:

    DEBUG=1 .venv/bin/python manage.py makemessages -l nl --ignore=.venv --ignore=bench \\
        --ignore=tests --ignore=var --no-obsolete
    # translate the entries listed in the failure, then:
    DEBUG=1 .venv/bin/python manage.py compilemessages -l nl --ignore=.venv

Pages follow the browser's Accept-Language or the language chosen in the footer (a cookie);
``User.language`` is used for e-mails only, so no page test depends on it.
"""

import ast
import gettext
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from residents.models import User

from .helpers import login

CATALOGUE = Path(settings.BASE_DIR) / "locale" / "nl" / "LC_MESSAGES"
PO = CATALOGUE / "django.po"
MO = CATALOGUE / "django.mo"
REFRESH = "see the docstring of tests/test_translations.py for the commands"


@dataclass
class Entry:
    line: int
    msgid: str | None = None
    msgid_plural: str | None = None
    msgctxt: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)
    where: str = ""

    @property
    def key(self) -> str:
        return f"{self.msgctxt}\x04{self.msgid}" if self.msgctxt is not None else self.msgid

    def __str__(self) -> str:
        context = f" (context {self.msgctxt!r})" if self.msgctxt is not None else ""
        where = f"  [{self.where}]" if self.where else ""
        return f"line {self.line}: {self.msgid!r}{context}{where}"


_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\"}
_KEYWORD = re.compile(r'^(msgctxt|msgid_plural|msgid|msgstr(?:\[(\d+)\])?)\s+(".*")\s*$')


def _unquote(text: str) -> str:
    assert text.startswith('"') and text.endswith('"'), text
    return re.sub(r"\\(.)", lambda m: _ESCAPES.get(m.group(1), m.group(0)), text[1:-1])


def parse_po(path: Path) -> list[Entry]:
    """The entries of a .po file, header included; obsolete (#~) entries are left out."""
    entries: list[Entry] = []
    entry: Entry | None = None
    flags: set[str] = set()
    where: list[str] = []
    target: tuple[str, int | None] | None = None

    def store(what: tuple[str, int | None], text: str) -> None:
        name, index = what
        if name == "msgstr":
            entry.msgstr[index or 0] = entry.msgstr.get(index or 0, "") + text
        else:
            setattr(entry, name, (getattr(entry, name) or "") + text)

    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#~"):
            continue
        if line.startswith("#,"):
            flags |= {flag.strip() for flag in line[2:].split(",")}
            continue
        if line.startswith("#:"):
            where += line[2:].split()
            continue
        if line.startswith("#"):
            continue
        if line.startswith('"'):
            assert target is not None, f"{path.name}:{number}: a string outside any entry"
            store(target, _unquote(line))
            continue
        match = _KEYWORD.match(line)
        assert match, f"{path.name}:{number}: cannot read {raw!r}"
        keyword, index, text = match.groups()
        # An entry opens with msgctxt, or with msgid unless a msgctxt just opened it.
        opened_by_context = entry is not None and entry.msgctxt is not None and entry.msgid is None
        if keyword == "msgctxt" or (keyword == "msgid" and not opened_by_context):
            entry = Entry(line=number, msgid=None, flags=flags, where=" ".join(where[:3]))
            entries.append(entry)
            flags, where = set(), []
        name = "msgstr" if keyword.startswith("msgstr") else keyword
        target = (name, int(index) if index is not None else None)
        store(target, _unquote(text))
    return entries


@pytest.fixture(scope="module")
def catalogue() -> list[Entry]:
    return parse_po(PO)


@pytest.fixture(scope="module")
def messages(catalogue) -> list[Entry]:
    return [entry for entry in catalogue if entry.msgid != ""]


def _listing(entries: list[Entry]) -> str:
    return "\n".join(f"  {entry}" for entry in entries)


# --- The catalogue ----------------------------------------------------------------------------


def test_the_parser_reads_plurals_contexts_and_continued_lines(tmp_path):
    po = tmp_path / "sample.po"
    po.write_text(
        'msgid ""\nmsgstr ""\n"Language: nl\\n"\n\n'
        '#: a.py:1\n#, python-format\nmsgid "%(n)s day"\nmsgid_plural "%(n)s days"\n'
        'msgstr[0] "%(n)s dag"\nmsgstr[1] "%(n)s dagen"\n\n'
        'msgctxt "month"\nmsgid "May"\nmsgstr "mei"\n\n'
        '#, fuzzy\nmsgid ""\n"Say \\"hi\\"\\n"\n"twice"\nmsgstr ""\n\n'
        '#~ msgid "Gone"\n#~ msgstr "Weg"\n',
        encoding="utf-8",
    )
    header, plural, context, continued = parse_po(po)
    assert header.msgid == "" and "Language: nl" in header.msgstr[0]
    assert plural.msgid_plural == "%(n)s days" and plural.msgstr == {0: "%(n)s dag", 1: "%(n)s dagen"}
    assert "python-format" in plural.flags
    assert context.key == "month\x04May" and context.msgstr == {0: "mei"}
    assert continued.msgid == 'Say "hi"\ntwice' and continued.msgstr == {0: ""}
    assert "fuzzy" in continued.flags


def test_the_catalogue_is_dutch_with_two_plural_forms(catalogue):
    header = catalogue[0]
    assert header.msgid == "", "the .po file must start with its header"
    assert "Language: nl\n" in header.msgstr[0]
    assert "Plural-Forms: nplurals=2; plural=(n != 1);" in header.msgstr[0]
    assert "charset=UTF-8" in header.msgstr[0]
    assert "fuzzy" not in header.flags, "the header is still marked fuzzy"


def test_every_string_is_translated(messages):
    assert len(messages) > 100, "the catalogue looks empty; run makemessages"
    untranslated = [entry for entry in messages
                    if not entry.msgstr or any(not text for text in entry.msgstr.values())
                    or (entry.msgid_plural is not None and set(entry.msgstr) != {0, 1})]
    assert not untranslated, (
        f"{len(untranslated)} string(s) in {PO.relative_to(settings.BASE_DIR)} have no Dutch "
        f"translation ({REFRESH}):\n{_listing(untranslated)}"
    )


def test_no_translation_is_left_fuzzy(messages):
    fuzzy = [entry for entry in messages if "fuzzy" in entry.flags]
    assert not fuzzy, (
        f"{len(fuzzy)} translation(s) are marked fuzzy (guessed by makemessages): check each one, "
        f"then remove the '#, fuzzy' line ({REFRESH}):\n{_listing(fuzzy)}"
    )


_PLACEHOLDER = re.compile(r"%\(\w+\)[sdfr]|\{\{.*?\}\}|</?[a-z][^>]*>")


def test_translations_keep_placeholders_and_markup(messages):
    """A missing or renamed %(name)s breaks the page at run time; a lost tag breaks the layout."""
    wrong = []
    for entry in messages:
        if entry.msgid_plural is None:
            expected = sorted(_PLACEHOLDER.findall(entry.msgid))
            if any(sorted(_PLACEHOLDER.findall(text)) != expected for text in entry.msgstr.values()):
                wrong.append(entry)
        else:
            # The singular may leave out the number ("every week" / "every %(weeks)s weeks").
            allowed = set(_PLACEHOLDER.findall(entry.msgid)) | set(_PLACEHOLDER.findall(entry.msgid_plural))
            plural = sorted(_PLACEHOLDER.findall(entry.msgid_plural))
            if (not set(_PLACEHOLDER.findall(entry.msgstr.get(0, ""))) <= allowed
                    or sorted(_PLACEHOLDER.findall(entry.msgstr.get(1, ""))) != plural):
                wrong.append(entry)
    assert not wrong, f"these translations change a placeholder or a tag:\n{_listing(wrong)}"


def test_the_compiled_catalogue_matches_the_po_file(messages):
    """django.mo is what Django reads: it must be compiled from the current django.po.

    Compared by content, not by file times: makemessages rewrites an unchanged .po (a newer
    time, same text), and a fresh clone writes both files in no particular order."""
    assert MO.exists(), f"{MO.name} is missing ({REFRESH})"
    with MO.open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)._catalog
    stale = []
    for entry in messages:
        if entry.msgid_plural is None:
            if compiled.get(entry.key) != entry.msgstr.get(0):
                stale.append(entry)
        elif any(compiled.get((entry.key, i)) != text for i, text in entry.msgstr.items()):
            stale.append(entry)
    assert not stale, f"django.mo is not compiled from the current django.po ({REFRESH}):\n{_listing(stale)}"


def test_django_uses_the_dutch_catalogue():
    with translation.override("nl"):
        assert str(User.Role.RESIDENT.label) == "Aios"
        assert str(User.Role.COORDINATOR.label) == "Coördinator"
        assert translation.ngettext("%(n)s session attended", "%(n)s sessions attended", 3) % {
            "n": 3} == "3 bijeenkomsten bijgewoond"
    with translation.override("en"):
        assert str(User.Role.RESIDENT.label) == "Resident"


_GETTEXT_NAMES = {"_", "gettext", "gettext_lazy", "ngettext", "ngettext_lazy", "pgettext", "pgettext_lazy",
                  "npgettext", "npgettext_lazy"}


def _gettext_calls_inside_f_strings(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.JoinedStr):
            for inner in ast.walk(node):
                if (isinstance(inner, ast.Call) and isinstance(inner.func, ast.Name)
                        and inner.func.id in _GETTEXT_NAMES):
                    found.append(f"{path.relative_to(settings.BASE_DIR)}:{inner.lineno}")
    return found


def test_no_translated_string_hides_inside_an_f_string():
    """xgettext (0.21, as on Debian 12) does not look inside f-strings, so makemessages never
    sees _("...") there and the text stays English. Translate into a variable first."""
    sources = [path for app in ("intervision", "residents", "sessions_app")
               for path in (Path(settings.BASE_DIR) / app).rglob("*.py") if "migrations" not in path.parts]
    hidden = [where for path in sources for where in _gettext_calls_inside_f_strings(path)]
    assert not hidden, "gettext calls inside f-strings are never extracted:\n" + "\n".join(
        f"  {where}" for where in hidden)


# --- Pages in Dutch ---------------------------------------------------------------------------


def _dutch_page(client, url: str) -> str:
    # Signed in, pages follow the account's language unless this browser chose one.
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "nl"
    response = client.get(url, HTTP_ACCEPT_LANGUAGE="nl")
    assert response.status_code == 200
    assert response["Content-Language"] == "nl"
    page = response.content.decode()
    assert '<html lang="nl">' in page
    return page


def test_the_login_page_speaks_dutch(client, db):
    page = _dutch_page(client, reverse("login"))
    assert "<title>Inloggen · Intervision</title>" in page
    assert "Wachtwoord vergeten?" in page
    assert "Wachtwoord" in page  # Django's own field label, from Django's Dutch catalogue
    assert "Forgot your password?" not in page


def test_the_login_page_stays_english_for_an_english_browser(client, db):
    page = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Forgot your password?" in page and "Wachtwoord vergeten?" not in page


def test_the_coordinators_home_page_speaks_dutch(cora, rosa):
    page = _dutch_page(login(cora), reverse("home"))
    for dutch in ("Overzicht van de opleiding", "actieve aios", "zonder groep", "Nieuwe groep",
                  "Nieuwe aios", "Aios importeren (CSV)", "Intervisoren", "Uitloggen"):
        assert dutch in page, dutch
    assert "Programme overview" not in page


def test_a_residents_home_page_speaks_dutch(rosa):
    page = _dutch_page(login(rosa), reverse("home"))
    assert "Welkom, Rosa" in page
    assert "Mijn groepen" in page and "Mijn bijeenkomsten" in page


def test_the_language_chosen_in_the_footer_sticks(client, db):
    response = client.post(reverse("set_language"), {"language": "nl", "next": reverse("login")})
    assert response.status_code == 302
    page = client.get(reverse("login")).content.decode()  # no Accept-Language this time
    assert "Wachtwoord vergeten?" in page
