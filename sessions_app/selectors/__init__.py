"""Reads of sessions_app that span models, one module per area (``groups``, ``sessions``,
``participation``, ``notes``, ``notifications``, ``evaluations``, ``dashboard``, and
``availability``: the database side of the availability engine). Selectors never change
state and never import services."""
