# awsops.ssm: `make demo` shows it working locally, `make test` proves it.
# Everything runs from the virtual environment that tools/setup.sh creates.
# MATRIX=<name> (an entry of tests/matrix/versions.txt, e.g. core2.21) runs a
# stage with that entry's ansible-core, Python and amazon.aws instead.
MATRIX      ?=
MAIN_VENV   ?= $(CURDIR)/.venv
ifeq ($(MATRIX),)
VENV        := $(MAIN_VENV)
COLLECTIONS := $(CURDIR)/build/collections
SANITY_ROOT := $(CURDIR)/build/sanity/ansible_collections
else
VENV        := $(MAIN_VENV)/matrix/$(MATRIX)
COLLECTIONS := $(CURDIR)/build/matrix/$(MATRIX)/collections
SANITY_ROOT := $(CURDIR)/build/matrix/$(MATRIX)/sanity/ansible_collections
endif
BIN         := $(VENV)/bin
export ANSIBLE_COLLECTIONS_PATH := $(COLLECTIONS)
export AWSOPS_TEST_COLLECTIONS := $(COLLECTIONS)
export PATH := $(BIN):$(PATH)


.PHONY: setup setup-matrix demo test sanity lint unit integration smoke build clean bench docs docs-lint

setup:
	@VENV=$(MAIN_VENV) tools/setup.sh

## setup-matrix: setup, and the virtual environments and amazon.aws of every other matrix entry
setup-matrix:
	@VENV=$(MAIN_VENV) tools/setup.sh --matrix

## demo: the reference design against a local AWS endpoint (moto): site, site again
## (no change), report. No AWS account needed.
demo: setup
	@$(BIN)/python tools/demo.py

## test: sanity, lint, unit and integration tests, then sanity, unit and smoke tests on every
## other matrix entry, stopping at the first failure (the single stages — make sanity, lint, unit,
## integration, smoke, each with MATRIX=<name> where it applies — expect make setup-matrix first)
test: setup-matrix
	@$(MAIN_VENV)/bin/python tools/run_tests.py

# ansible-test must run from ansible_collections/<ns>/<name>, beside amazon.aws:
# copy the files git knows (tracked and new, not ignored) into such a tree.
sanity:
	@rm -rf $(SANITY_ROOT)/awsops && mkdir -p $(SANITY_ROOT)/awsops/ssm
	@ln -sfn $(COLLECTIONS)/ansible_collections/amazon $(SANITY_ROOT)/amazon
	@git ls-files -z --cached --others --exclude-standard \
		| tar --null --ignore-failed-read -T - -cf - 2>/dev/null | tar -xf - -C $(SANITY_ROOT)/awsops/ssm
	@# The copy lives inside this repository's ignored build/: give it a git
	@# index of its own, or ansible-test finds no files in it.
	@cd $(SANITY_ROOT)/awsops/ssm && git init -q . && git add -A
	cd $(SANITY_ROOT)/awsops/ssm && $(BIN)/ansible-test sanity --python \
		$$($(BIN)/python -c 'import sys; print("%d.%d" % sys.version_info[:2])') --color no

lint:
	$(BIN)/ansible-lint --offline --profile production --nocolor

unit:
	$(BIN)/python -m pytest tests/unit

integration:
	$(BIN)/python -m pytest -n 2 tests/integration

## smoke: site, rerun, --check, report and teardown through the playbooks (both components, both
## backends), and the module runner's worker-versus-process comparison
smoke:
	$(BIN)/python -m pytest -n 2 --dist loadfile tests/matrix tests/integration/test_in_worker.py

## bench: times `site` beside a plain amazon.aws playbook on a local endpoint (not a test;
## about an hour; BENCH_SIZES=1,10 BENCH_REPEAT=1 for a quick run), writes build/bench/results.json
bench: setup
	@$(BIN)/python tools/bench/run.py

## docs: the docs site (modules, roles, filter, docs/docsite pages and guides) in build/docs/html,
## after docs-lint; fails on any warning or broken reference. docs-lint: antsibull-docs' collection lint.
DOCS_DIR ?= $(CURDIR)/build/docs
# antsibull-docs copies each collection it lints with git when the collection lies in a git work
# tree: amazon.aws, in this repository's ignored build/, would come out empty. The ceiling makes
# git see no repository from build/ down, so amazon.aws is copied as plain files.
docs-lint:
	GIT_CEILING_DIRECTORIES=$(CURDIR)/build $(BIN)/antsibull-docs lint-collection-docs --plugin-docs --check-extra-docs-refs .

docs: docs-lint
	@rm -rf $(DOCS_DIR) && mkdir -p $(DOCS_DIR)/rst && chmod 700 $(DOCS_DIR)/rst
	$(BIN)/antsibull-docs collection --use-current --squash-hierarchy --fail-on-error --cleanup everything \
		--dest-dir $(DOCS_DIR)/rst awsops.ssm
	$(BIN)/sphinx-build -q -W --keep-going -b html -c docs/sphinx -d $(DOCS_DIR)/doctrees $(DOCS_DIR)/rst $(DOCS_DIR)/html
	@echo "docs: $(DOCS_DIR)/html/index.html"

build: setup
	@mkdir -p dist
	$(BIN)/ansible-galaxy collection build --force --output-path dist

clean:
	rm -rf build dist .pytest_cache tests/output
