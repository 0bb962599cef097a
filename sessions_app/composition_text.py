"""The composition engine's sentences in the reader's language.

``planning`` is pure Python without Django, so its sentences come as a ``Message``: the English
text with a stable code and its parameters (``planning.composition.MESSAGE_CODES``). Stored
results keep the code and parameters (``{"code": …, "params": {…}}``); this module says them
with gettext, plural forms included. An unknown code falls back to the English text."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from planning.composition import Message


def _relaxed(rule: str) -> str:
    return {
        "specialty_cap": _("the cap per specialty"),
        "keep_apart": _("the keep-apart pairs"),
        "keep_together": _("the keep-together pairs"),
        "conflicts": _("the supervision and assessment conflicts"),
        "exclusions": _("the intervisors' exclusions"),
        "sizes": _("the range of group sizes"),
    }.get(rule, rule)


def _groups(n: int) -> str:
    return ngettext("%(n)d group", "%(n)d groups", n) % {"n": n}


# code → the sentence, from its parameters
SAY: dict[str, Callable[[Mapping], str]] = {
    "min_size_below_one": lambda p: _("The minimum group size must be at least 1, not %(min_size)d.") % p,
    "sizes_reversed": lambda p: _(
        "The minimum group size %(min_size)d is larger than the maximum %(max_size)d.") % p,
    "specialty_cap_zero": lambda p: _("At most 0 residents per specialty leaves no room for anyone."),
    "group_count_below_one": lambda p: _("The number of groups must be at least 1, not %(groups)d.") % p,
    "cohort_empty": lambda p: _("There are no residents to compose groups of."),
    "cohort_too_small": lambda p: ngettext(
        "%(n)d resident is fewer than the minimum group size of %(min_size)d.",
        "%(n)d residents are fewer than the minimum group size of %(min_size)d.", p["n"]) % p,
    "sizes_do_not_split": lambda p: _(
        "%(n)d residents cannot be split into groups of %(min_size)d to %(max_size)d: "
        "%(most_groups)s would be too few and %(least)d too many."
    ) % {**p, "most_groups": _groups(p["most"])},
    "no_intervisor": lambda p: _("No intervisor is available to lead a group."),
    "too_few_groups_asked": lambda p: ngettext(
        "%(n)d residents need at least %(least)d groups of at most %(max_size)d, but %(groups)d group was "
        "asked for.",
        "%(n)d residents need at least %(least)d groups of at most %(max_size)d, but %(groups)d groups "
        "were asked for.", p["groups"]) % p,
    "groups_cannot_be_filled": lambda p: ngettext(
        "%(n)d residents cannot fill %(groups)d group of at least %(min_size)d.",
        "%(n)d residents cannot fill %(groups)d groups of at least %(min_size)d.", p["groups"]) % p,
    "groups_beyond_capacity": lambda p: ngettext(
        "%(groups)d group needs an intervisor, but the intervisors can lead only %(capacity)d.",
        "%(groups)d groups need an intervisor each, but the intervisors can lead only %(capacity)d.",
        p["groups"]) % p,
    "capacity_too_small": lambda p: _(
        "%(n)d residents need at least %(least)d groups of at most %(max_size)d, but the intervisors "
        "can lead only %(capacity)d.") % p,
    "no_group_count_fits": lambda p: _(
        "No number of groups fits: the sizes and the cap per specialty need at least %(least)d, the "
        "sizes and the intervisors' capacity allow at most %(most)d.") % p,
    "specialty_cannot_spread": lambda p: ngettext(
        "%(count)d residents of %(specialty)s cannot be spread over %(groups)d group with at most "
        "%(cap)d per group.",
        "%(count)d residents of %(specialty)s cannot be spread over %(groups)d groups with at most "
        "%(cap)d per group.", p["groups"]) % p,
    "together_and_conflict": lambda p: _(
        "%(a)s and %(b)s are to be kept together and also have a supervision or assessment relation.") % p,
    "together_and_apart": lambda p: _("%(a)s and %(b)s are to be kept together and also kept apart.") % p,
    "linked_and_conflict": lambda p: _(
        "%(a)s and %(b)s are linked by residents to be kept together, but have a supervision or "
        "assessment relation.") % p,
    "linked_and_apart": lambda p: _(
        "%(a)s and %(b)s are linked by residents to be kept together, but are to be kept apart.") % p,
    "together_too_big": lambda p: _(
        "The residents to be kept together (%(who)s, %(count)d) are more than the maximum group size "
        "of %(max_size)d.") % p,
    "together_specialty_over": lambda p: _(
        "The residents to be kept together (%(who)s) include %(count)d of %(specialty)s, more than "
        "%(cap)d per group.") % p,
    "no_leader_for": lambda p: _(
        "No intervisor may lead %(who)s: every intervisor is excluded for them.") % p,
    "no_leader_for_together": lambda p: _(
        "No intervisor may lead the residents to be kept together (%(who)s): every intervisor is "
        "excluded for them.") % p,
    "unknown_resident": lambda p: _("Group %(group)d: resident %(resident)s is not in the cohort.") % p,
    "unassigned": lambda p: _("%(name)s is in no group.") % p,
    "duplicate": lambda p: _("%(name)s is in groups %(groups)s.") % p,
    "size_over": lambda p: ngettext(
        "Group %(group)d has %(count)d member (at most %(max_size)d).",
        "Group %(group)d has %(count)d members (at most %(max_size)d).", p["count"]) % p,
    "size_under": lambda p: ngettext(
        "Group %(group)d has %(count)d member (at least %(min_size)d).",
        "Group %(group)d has %(count)d members (at least %(min_size)d).", p["count"]) % p,
    "specialty_over": lambda p: _(
        "Group %(group)d has %(count)d %(specialty)s residents (at most %(cap)d): %(names)s") % p,
    "conflict": lambda p: _(
        "Group %(group)d: %(a)s and %(b)s have a supervision or assessment relation.") % p,
    "keep_apart": lambda p: _("Group %(group)d: %(a)s and %(b)s are to be kept apart.") % p,
    "leader_missing": lambda p: _("Group %(group)d has no intervisor.") % p,
    "leader_unknown": lambda p: _("Group %(group)d has an intervisor who is not available.") % p,
    "leader_forbidden_resident": lambda p: _("Group %(group)d: %(leader)s must not lead %(name)s.") % p,
    "leader_forbidden_department": lambda p: _(
        "Group %(group)d: %(leader)s must not lead residents of %(department)s (%(name)s).") % p,
    "leader_capacity": lambda p: _(
        "%(leader)s leads %(count)d groups (at most %(capacity)d): groups %(groups)s.") % p,
    "keep_together": lambda p: _(
        "%(a)s and %(b)s are to be kept together but are in groups %(group_a)d and %(group_b)d.") % p,
    "group_count": lambda p: ngettext(
        "There are %(count)d groups; %(asked)d was asked for.",
        "There are %(count)d groups; %(asked)d were asked for.", p["asked"]) % p,
    "infeasible_with_groups": lambda p: _("The rules together cannot be met with %(groups)s.") % {
        "groups": _groups(p["groups"])},
    "possible_without": lambda p: _("Without %(rule)s a grouping would be possible.") % {
        "rule": _relaxed(p["rule"])},
    "progress_first_grouping": lambda p: _("First grouping built (attempt %(attempt)d); improving it") % p,
    "progress_greedy": lambda p: _("Quick grouping scored %(score)s") % p,
    "progress_no_greedy": lambda p: _("No quick grouping found"),
    "progress_solution": lambda p: _("Solution %(count)d: score %(score)d, proven bound %(bound)d") % p,
    "progress_bound": lambda p: _("Proven bound %(bound)d") % p,
    "progress_done": lambda p: _("Done"),
}


def say(message: object) -> str:
    """``message`` (a ``Message``, or one stored as ``{"code", "params"}``, or plain text) in
    the active language."""
    if isinstance(message, Message):
        code, params, text = message.code, message.params, str(message)
    elif isinstance(message, Mapping):
        code, params, text = message.get("code", ""), message.get("params", {}), message.get("text", "")
    else:
        return str(message)
    sentence = SAY.get(code)
    if sentence is None:
        return text
    try:
        return sentence(params)
    except (KeyError, TypeError, ValueError):  # parameters of an older engine: the English text
        return text


def stored(message: object) -> dict:
    """A Message as kept in a run's result: its code, parameters and English text."""
    if isinstance(message, Message):
        return {"code": message.code, "params": message.params, "text": str(message)}
    return {"code": "", "params": {}, "text": str(message)}
