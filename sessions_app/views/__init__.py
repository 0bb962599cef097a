"""Views of sessions_app, one module per area; ``sessions_app/urls.py`` wires them."""
