# Two commands set everything up from a fresh clone: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install tab demo serve migrate test lint typecheck bench clean playground

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

install: $(STAMP)

TAB := app/tab
TAB_BUILT := $(TAB)/dist/index.html

# npm ci would be the usual choice, but it rejects this lock file: the registry mirror we install from
# does not list other platforms' optional rollup binaries. npm install honours the committed lock.
$(TAB)/node_modules/.package-lock.json: $(TAB)/package-lock.json
	cd $(TAB) && npm install --no-audit --no-fund

# The build first generates the tab's API types from `nurture openapi` (the document the server serves),
# so it needs the Python install as well as the node modules.
$(TAB_BUILT): $(STAMP) $(TAB)/node_modules/.package-lock.json $(shell find $(TAB)/src $(TAB)/scripts -type f) \
		$(TAB)/index.html $(TAB)/vite.config.ts $(wildcard app/api/*.py) app/models.py app/vocabulary.py
	cd $(TAB) && npm run build

# The official adaptivecards JS library that tests/cards/test_renderer.py parses every sample card with.
CARD_RENDERER := tests/cards/renderer
$(CARD_RENDERER)/node_modules/.package-lock.json: $(CARD_RENDERER)/package-lock.json
	cd $(CARD_RENDERER) && npm install --no-audit --no-fund

# Microsoft's official Teams app manifest schemas (npm @microsoft/app-manifest) for tests/manifest.
MANIFEST_SCHEMA := tests/manifest/schema
MANIFEST_SCHEMA_DEPS := $(MANIFEST_SCHEMA)/node_modules/.package-lock.json
$(MANIFEST_SCHEMA_DEPS): $(MANIFEST_SCHEMA)/package-lock.json
	cd $(MANIFEST_SCHEMA) && npm install --no-audit --no-fund

# Microsoft 365 Agents Playground, the Teams emulator: `make playground` and tests/playground use it.
PLAYGROUND := tests/playground
PLAYGROUND_DEPS := $(PLAYGROUND)/node_modules/.package-lock.json
PLAYGROUND_PORT ?= 56150
BOT_URL ?= http://127.0.0.1:3978
$(PLAYGROUND_DEPS): $(PLAYGROUND)/package-lock.json
	cd $(PLAYGROUND) && npm install --no-audit --no-fund

## Build the tab (React + Fluent UI) into app/tab/dist, served at /tab/
tab: $(TAB_BUILT)

## Seed a demo tenant in SQLite (nurture-demo.db) and serve it on http://127.0.0.1:3978
demo: $(STAMP) $(TAB_BUILT)
	NURTURE_LOCAL_MODE=true $(BIN)/nurture demo

# The Playground opens its URL with xdg-open on Linux and exits if there is none; the no-op in
# $(PLAYGROUND)/bin comes last on PATH, so a real xdg-open still wins. Its log goes to /tmp, not ./devTools.
## Chat with the demo bot in Teams' emulator as rep Oliver Hughes (needs `make demo` in another terminal)
playground: $(PLAYGROUND_DEPS)
	@$(PYTHON) -c "import urllib.request; urllib.request.urlopen('$(BOT_URL)/healthz', timeout=3)" 2>/dev/null \
		|| { echo "Nurture is not answering on $(BOT_URL). Start the demo first, in another terminal: make demo"; exit 1; }
	@echo "Agents Playground for $(BOT_URL)/api/messages: open http://localhost:$(PLAYGROUND_PORT) (Ctrl+C stops it)"
	PATH="$$PATH:$(CURDIR)/$(PLAYGROUND)/bin" \
	M365_AGENTS_PLAYGROUND_CONFIG_PATH="$(CURDIR)/.m365agentsplayground.yml" \
	M365_AGENTS_PLAYGROUND_LOGFILE="$${TMPDIR:-/tmp}/nurture-agents-playground.log" \
	node $(PLAYGROUND)/node_modules/@microsoft/m365agentsplayground/cli.js --app-endpoint $(BOT_URL)/api/messages \
		--channel-id msteams --port $(PLAYGROUND_PORT) --disable-telemetry

serve: $(STAMP) $(TAB_BUILT)
	$(BIN)/nurture db upgrade
	$(BIN)/nurture serve

migrate: $(STAMP)
	$(BIN)/nurture db upgrade

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP) $(TAB)/node_modules/.package-lock.json
	$(BIN)/mypy
	cd $(TAB) && npm run --silent typecheck

## Lint, type-check, then the whole suite (PostgreSQL too when NURTURE_TEST_PG_URL is set)
test: lint typecheck $(TAB_BUILT) $(CARD_RENDERER)/node_modules/.package-lock.json $(PLAYGROUND_DEPS) $(MANIFEST_SCHEMA_DEPS)
	$(BIN)/pytest

bench: $(STAMP)
	$(BIN)/python tests/bench/bench_due_follow_ups.py
	$(BIN)/python tests/bench/bench_ingest_events.py
	$(BIN)/python tests/bench/bench_api_reads.py
	$(BIN)/python tests/bench/bench_webhook.py
	$(BIN)/python tests/bench/bench_bot_turns.py
	$(BIN)/python tests/bench/bench_dispatcher.py
	$(BIN)/python tests/bench/bench_graph_history.py
	$(BIN)/python tests/bench/bench_import.py

clean:
	rm -rf $(VENV) nurture-demo.db* .mypy_cache .ruff_cache .hypothesis $(TAB)/node_modules $(TAB)/dist $(CARD_RENDERER)/node_modules $(PLAYGROUND)/node_modules \
		$(MANIFEST_SCHEMA)/node_modules
