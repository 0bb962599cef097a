"""Forms of sessions_app, one module per area (``groups``, ``sessions``, ``participation``, …)."""

from .groups import GroupForm, MembershipAddForm, MembershipEndForm

__all__ = ["GroupForm", "MembershipAddForm", "MembershipEndForm"]
