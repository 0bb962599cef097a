"""The composition engine's sentences come as codes with parameters; the app says them in the
reader's language, plural forms included, and falls back to the English text for a code it
does not know."""

import copy
import pickle

from django.utils import translation

from planning.composition import MESSAGE_CODES, RELAXED_RULES, Message
from sessions_app.composition_text import SAY, say, stored


def test_every_code_of_the_engine_has_a_sentence():
    assert set(SAY) == set(MESSAGE_CODES)


def test_every_sentence_takes_the_parameters_the_engine_gives():
    for code, names in MESSAGE_CODES.items():
        params = {name: (RELAXED_RULES[0] if name == "rule" else 2 if name not in {
            "who", "specialty", "a", "b", "name", "names", "leader", "department", "groups",
            "resident", "status"} else "x") for name in names}
        if code in {"leader_capacity", "duplicate"}:
            params["groups"] = "1, 2"
        if code in {"specialty_cannot_spread", "too_few_groups_asked", "groups_cannot_be_filled",
                    "groups_beyond_capacity", "group_count_below_one", "infeasible_with_groups"}:
            params["groups"] = 2
        message = Message("English", code, **params)
        assert say(message) and say(message) != "English", code


def test_an_engine_sentence_reads_in_dutch_with_its_plural(dutch_catalogue):
    nine = Message("Group 1 has 9 members (at most 8)", "size_over", group=1, count=9, max_size=8)
    one = Message("Group 1 has 1 members (at most 8)", "size_over", group=1, count=1, max_size=8)
    with translation.override("en"):
        assert (say(nine), say(one)) == ("Group 1 has 9 members (at most 8).",
                                         "Group 1 has 1 member (at most 8).")
    with translation.override("nl"):
        assert (say(nine), say(one)) == ("Groep 1 heeft 9 leden (hoogstens 8).",
                                         "Groep 1 heeft 1 lid (hoogstens 8).")
        assert say(Message("", "possible_without", rule="keep_apart")) == (
            "Zonder de paren die uit elkaar moeten zou een indeling mogelijk zijn.")


def test_a_stored_sentence_is_said_like_the_message():
    message = Message("the cohort is empty", "cohort_empty")
    assert say(stored(message)) == say(message) == "There are no residents to compose groups of."


def test_an_unknown_code_falls_back_to_the_english_text():
    assert say({"code": "from_a_newer_engine", "params": {}, "text": "Something new"}) == "Something new"
    assert say("plain text") == "plain text"


def test_a_message_is_its_english_text_and_survives_pickling():
    message = Message("Group 2 has no intervisor", "leader_missing", group=2)
    assert message == "Group 2 has no intervisor"
    for twin in (pickle.loads(pickle.dumps(message)), copy.deepcopy(message)):  # noqa: S301 - our own bytes
        assert (twin, twin.code, twin.params) == (message, "leader_missing", {"group": 2})
