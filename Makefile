# Everyday commands. `make run` needs only Python 3.11: it builds .venv on first use.
#
#   make run                         web app on http://127.0.0.1:8000/ plus a Celery worker with beat
#   make test                        the whole test suite
#   make test PYTEST_ARGS="-k demo"  extra arguments for pytest
#   make check                       ruff, missing migrations, the import contracts, the Dockerfile
#   make lock                        recompile requirements*.lock after a pin in pyproject.toml changed
#   make install | lint | clean

PYTHON := .venv/bin/python
PYTEST_ARGS ?=
LOCK_ARGS ?=

.PHONY: run test install lint check lock clean distclean

run:
	bin/run

install:
	bin/run install

test: install
	DEBUG=1 $(PYTHON) -m pytest $(PYTEST_ARGS)

lint: install
	$(PYTHON) -m ruff check .

check: install
	$(PYTHON) -m ruff check .
	DEBUG=1 $(PYTHON) manage.py makemigrations --check --dry-run
	.venv/bin/lint-imports
	.venv/bin/hadolint Dockerfile

# pyproject.toml pins the direct dependencies; the lock files pin everything they pull in, for
# every platform: requirements.lock for the image, requirements-dev.lock (the same versions plus
# the dev tools) for `make install`. Pins already in a lock file are kept while they still fit;
# `make lock LOCK_ARGS=--upgrade` moves every one to the newest release that fits, and
# `LOCK_ARGS="--upgrade-package NAME"` only one. Not behind `install`: that installs from the
# old lock, which may no longer fit pyproject.toml.
UV_COMPILE := .venv/bin/uv pip compile pyproject.toml --universal --python-version 3.11 \
	--custom-compile-command "make lock" --quiet $(LOCK_ARGS)

lock:
	@test -x .venv/bin/uv || bin/run install
	$(UV_COMPILE) -o requirements.lock
	$(UV_COMPILE) --extra dev -c requirements.lock -o requirements-dev.lock

# Local state: the SQLite database, the filesystem broker, beat's schedule, collected static
# files and caches. The virtualenv stays; `make distclean` removes it too.
clean:
	rm -rf var/ .pytest_cache/ .ruff_cache/ .hypothesis/ test-results/
	find . -path ./.venv -prune -o -name __pycache__ -type d -prune -exec rm -rf {} +

distclean: clean
	rm -rf .venv/ *.egg-info/
