# archivist: `make` builds the archive, `make test` runs the tests.
# Every PDF is rebuilt when its article, its record, or the code, fonts, ICC profile
# or pinned dependencies it depends on change; make works out which are stale and
# hands the whole list to one `archivist build`, which runs them over a process pool, or on
# a Dask cluster with SCHEDULER=tcp://HOST:PORT (Dask is installed into .venv on first use).

# No built-in rules: with them make searches its whole catalogue of implicit rules for
# every article, record and source file, which takes seconds on a large archive.
MAKEFLAGS += --no-builtin-rules
.SUFFIXES:

SEEDS    ?= seeds
METADATA ?= metadata
ARCHIVE  ?= archive
PROFILE  ?= 2a+ua1
JOBS     ?= $(shell nproc 2>/dev/null || echo 1)
PYTHON   ?= python3
SCHEDULER ?=

# Each names one folder. An empty or two-word value would make a recipe act on the wrong
# files (`make clean ARCHIVE=` once emptied the whole project): refused before anything runs.
$(foreach v,SEEDS METADATA ARCHIVE,$(if $(filter 1,$(words $($(v)))),,\
  $(error $(v)='$($(v))': name one folder, without spaces; nothing was done)))
quote = '$(subst ','\'',$(1))'

VENV      := .venv
ARCHIVIST := $(VENV)/bin/archivist
INSTALLED := $(VENV)/.installed
TEST_DEPS := $(VENV)/.installed-test
CLUSTER   := $(VENV)/.installed-cluster
WORK      := .build

# What the bytes of every PDF depend on besides its own article and record, gathered in
# one stamp: one prerequisite per PDF instead of thirty keeps a no-op make fast.
CODE := $(wildcard src/archivist/*.py src/archivist/data/*/*) requirements.lock pyproject.toml
CODE_STAMP := $(WORK)/code

# The profile is part of what a PDF is: a different PROFILE makes every PDF of that archive stale.
PROFILE_STAMP := $(WORK)/profile$(subst /,_,$(abspath $(ARCHIVE)))
ifneq ($(file <$(PROFILE_STAMP)),$(PROFILE))
$(shell mkdir -p $(WORK))
$(file >$(PROFILE_STAMP),$(PROFILE))
endif

STEMS := $(basename $(notdir $(wildcard $(SEEDS)/*.txt)))
year   = $(firstword $(subst -, ,$(1)))
PDFS  := $(foreach s,$(STEMS),$(ARCHIVE)/$(call year,$(s))/$(s).pdf)
STALE :=
BUILD_ARGS = --seeds $(SEEDS) --metadata $(METADATA) --archive $(ARCHIVE) --profile $(PROFILE)
# Where the typesetting runs: this machine's cores, or the workers of a Dask cluster.
WHERE = $(if $(SCHEDULER),--scheduler $(SCHEDULER),-j $(JOBS))

.PHONY: all check validate verify verapdf test lint bench bench-typography clean distclean install-cluster
.DEFAULT_GOAL := all

# The list goes through a file: ten thousand names would not fit on one command line.
all: $(PDFS)
	$(if $(strip $(STALE)),$(eval LIST := $(shell mktemp $(WORK)/stale.XXXXXX))$(file >$(LIST),$(STALE)) \
	  $(ARCHIVIST) build $(BUILD_ARGS) $(WHERE) --total $(words $(STEMS)) --list $(LIST); status=$$?; rm -f $(LIST); exit $$status)

# A stale PDF is only noted here; the recipe of `all` builds every noted one in one process.
# A missing record is not a make error: archivist reports it and goes on with the others.
.SECONDEXPANSION:
$(ARCHIVE)/%.pdf: $(SEEDS)/$$(notdir $$*).txt $$(wildcard $(METADATA)/$$(notdir $$*).yaml) \
                  $(CODE_STAMP) $(PROFILE_STAMP) | $(INSTALLED) $(if $(SCHEDULER),$(CLUSTER))
	$(eval STALE += $(notdir $*))

$(CODE_STAMP): $(CODE)
	@mkdir -p $(@D) && touch $@

$(INSTALLED): requirements.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -r requirements.lock
	$(VENV)/bin/pip install --quiet --disable-pip-version-check --no-deps -e .
	$(VENV)/bin/python -m archivist.hyphenation >/dev/null
	touch $@

# The optional cluster extra: Dask's scheduler and workers (.venv/bin/dask), pinned.
$(CLUSTER): requirements-cluster.lock $(INSTALLED)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -r requirements-cluster.lock
	touch $@

# What a worker machine of a cluster needs: `make install-cluster`, then `.venv/bin/dask worker ...`.
install-cluster: $(CLUSTER)

# The tests start a real Dask cluster on loopback: they need the cluster extra too.
$(TEST_DEPS): requirements-dev.lock $(CLUSTER)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -r requirements-dev.lock
	touch $@

check: | $(INSTALLED)
	$(ARCHIVIST) check $(BUILD_ARGS)

validate: | $(INSTALLED)
	$(ARCHIVIST) validate $(BUILD_ARGS)

# Re-hash every archived file against archive/manifest-sha256.txt.
verify: | $(INSTALLED)
	$(ARCHIVIST) verify --archive $(ARCHIVE)

verapdf:
	tools/verapdf/verapdf --fetch-only

test: $(TEST_DEPS)
	$(VENV)/bin/python -m pytest $(PYTEST_ARGS)

# ruff, then the import contract in pyproject.toml: the checker shares no code with the writer,
# and every stage imports only the stages below it.
lint: $(TEST_DEPS)
	$(VENV)/bin/ruff check src tests bench
	$(VENV)/bin/lint-imports --no-cache

bench: | $(INSTALLED)
	bash bench/setup.sh
	bench/.venv/bin/python bench/run.py $(BENCH_ARGS)

# Line quality beside Typst, measured from both systems' PDFs (bench/results-typography.md).
bench-typography: | $(INSTALLED)
	bash bench/setup.sh
	bench/.venv/bin/python bench/typography.py $(BENCH_ARGS)

# `archivist clean` removes only what archivist wrote, and refuses a folder that is not an archive.
clean: | $(INSTALLED)
	@$(ARCHIVIST) clean --archive $(call quote,$(ARCHIVE))
	rm -rf $(WORK)

distclean: clean
	rm -rf $(VENV) bench/.venv
