# Everyday commands. `make run` needs only Python 3.11: it builds .venv on first use.
#
#   make run                         web app on http://127.0.0.1:8000/ plus a Celery worker with beat
#   make test                        the whole test suite
#   make test PYTEST_ARGS="-k demo"  extra arguments for pytest
#   make install | lint | clean

PYTHON := .venv/bin/python
PYTEST_ARGS ?=

.PHONY: run test install lint clean distclean

run:
	bin/run

install:
	bin/run install

test: install
	DEBUG=1 $(PYTHON) -m pytest $(PYTEST_ARGS)

lint: install
	$(PYTHON) -m ruff check .

# Local state: the SQLite database, the filesystem broker, beat's schedule, collected static
# files and caches. The virtualenv stays; `make distclean` removes it too.
clean:
	rm -rf var/ .pytest_cache/ .ruff_cache/ .hypothesis/ test-results/
	find . -path ./.venv -prune -o -name __pycache__ -type d -prune -exec rm -rf {} +

distclean: clean
	rm -rf .venv/ *.egg-info/
