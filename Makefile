# archivist: `make` builds the archive, `make test` runs the tests.
# Every PDF is rebuilt when its article, its record, or the code, fonts, ICC profile
# or pinned dependencies it depends on change, or the archive's profile; make works out
# which are stale and hands the whole list to one `archivist build`, which runs them over
# a process pool, or on a Dask cluster with SCHEDULER=tcp://HOST:PORT (Dask is installed
# into .venv on first use). Recipes are not echoed: what shows is archivist's own output.

# No built-in rules: with them make searches its whole catalogue of implicit rules for
# every article, record and source file, which takes seconds on a large archive.
MAKEFLAGS += --no-builtin-rules
.SUFFIXES:

SEEDS    ?= seeds
METADATA ?= metadata
ARCHIVE  ?= archive
# Empty: the profile the archive records (the default, PDF/A-2a + PDF/UA-1, for a new one).
# Another is refused unless CHANGE_PROFILE=yes, which rebuilds the whole archive in it.
PROFILE  ?=
JOBS     ?= $(shell nproc 2>/dev/null || echo 1)
SCHEDULER ?=

# Each names one folder. An empty or two-word value would make a recipe act on the wrong
# files (`make clean ARCHIVE=` once emptied the whole project): refused before anything runs.
$(foreach v,SEEDS METADATA ARCHIVE,$(if $(filter 1,$(words $($(v)))),,\
  $(error $(v)='$($(v))': name one folder, without spaces; nothing was done)))
# Nor may a name hold what make reads as its own syntax (a comment, a pattern, a wildcard, a
# rule): misread, a '#' once cut the path of a list short, and its removal took a file beside.
hash := \#
backslash := $(patsubst %x,%,\x)
make_syntax = $(strip $(foreach c,$(hash) % * ? [ ] : ; |,$(findstring $(c),$(1)))$(findstring $(backslash),$(1)))
$(foreach v,SEEDS METADATA ARCHIVE,$(if $(call make_syntax,$($(v))),\
  $(error $(v)='$($(v))': make reads '$(firstword $(call make_syntax,$($(v))))' as its own syntax, so it \
    cannot name this folder; nothing was done. Rename the folder, or run archivist build on it)))
quote = '$(subst ','\'',$(1))'
relative = $(if $(filter /%,$(1)),,./)$(1)

VENV      := .venv
ARCHIVIST := $(VENV)/bin/archivist
INSTALLED := $(VENV)/.installed
PREPARED  := $(VENV)/.prepared
TEST_DEPS := $(VENV)/.installed-test
CLUSTER   := $(VENV)/.installed-cluster

# make's own files for an archive live beside it, in archivist's staging folder
# (.archive.staging/make for ARCHIVE=archive): a temporary archive leaves nothing in the
# checkout, and `archivist clean` removes them with the archive.
WORK := $(dir $(abspath $(ARCHIVE))).$(notdir $(abspath $(ARCHIVE))).staging/make
# make -n writes nothing: no plan, no stamp, no list.
DRY_RUN := $(findstring n,$(filter-out --%,$(firstword $(MAKEFLAGS))))

# What the bytes of every PDF depend on besides its own article and record, gathered in
# one stamp: one prerequisite per PDF instead of thirty keeps a no-op make fast.
CODE := $(wildcard src/archivist/*.py src/archivist/data/*/*) requirements.lock pyproject.toml
CODE_STAMP := $(WORK)/code

# The archive records its profile; a PDF older than that record is stale.
PROFILE_FILE := $(ARCHIVE)/archivist-profile.txt
# Read only when it is a plain file: make's own $(file <...) would wait for ever on a FIFO.
RECORDED := $(strip $(shell f=$(call quote,$(PROFILE_FILE)); [ -f "$$f" ] && [ ! -L "$$f" ] && head -c 64 -- "$$f"))
# Spelt as the archive records it: PROFILE=2A+UA1 or pdfa-2u is the same profile.
lowercase = $(subst A,a,$(subst B,b,$(subst F,f,$(subst U,u,$(subst P,p,$(subst D,d,$(1)))))))
WANTED := $(patsubst pdf/a-%,%,$(patsubst pdfa-%,%,$(call lowercase,$(strip $(PROFILE)))))
PROFILE_CHANGE := $(if $(WANTED),$(filter-out $(RECORDED),$(WANTED)))

.PHONY: all check validate verify verapdf test lint bench bench-typography clean distclean install-cluster \
        .made-for-other-folders .inputs-changed
.DEFAULT_GOAL := all

# The plan (src/archivist/plan.py) names every article's PDF and oai_dc record and the files
# they are made from, so that a no-op make opens no article and no record. It is written
# again when the seeds or metadata folder gains or loses a file, the code changes, a record
# that names a PDF changes (those the plan lists as its own prerequisites), or an article or
# record changed after it while keeping an older time (a copy by rsync -a, cp -p or tar: its
# inode's change time is newer than the plan); the plan then marks the PDFs made before.
PLAN := $(WORK)/plan.mk
PLAN_FREE := clean distclean test lint verapdf bench bench-typography install-cluster check validate verify
ifneq ($(if $(MAKECMDGOALS),$(filter-out $(PLAN_FREE),$(MAKECMDGOALS)),all),)
ifeq ($(DRY_RUN),)
include $(PLAN)
$(PLAN): $(wildcard $(SEEDS) $(METADATA)) $(CODE_STAMP) | $(PREPARED)
	@$(ARCHIVIST) plan $(FOLDERS) --out $(call quote,$@)
ifneq ($(PLAN_INPUTS),$(SEEDS) $(METADATA))
$(PLAN): .made-for-other-folders
.made-for-other-folders: ;
endif
# Asked once per make, not again after the plan is written (a file server whose clock is ahead
# would have it written again and again); './' keeps a folder named '-x' from reading as an option.
# The folders themselves are asked too, links not followed: a folder moved into the name, or
# a link turned to another folder, is newer than the plan, whatever the files in it.
ifeq ($(MAKE_RESTARTS),)
ifneq ($(shell find $(call quote,$(call relative,$(SEEDS))/) $(call quote,$(call relative,$(METADATA))/) \
         -maxdepth 1 -cnewer $(call quote,$(PLAN)) \( -name '*.txt' -o -name '*.yaml' \) -print -quit 2>/dev/null; \
       find $(call quote,$(call relative,$(SEEDS))) $(call quote,$(call relative,$(METADATA))) \
         -maxdepth 0 -cnewer $(call quote,$(PLAN)) -print -quit 2>/dev/null),)
$(PLAN): .inputs-changed
.inputs-changed: ;
endif
endif
else
-include $(PLAN)
endif
endif

# With '=', a folder whose name starts with '-' is never read as an option.
FOLDERS = --seeds=$(call quote,$(SEEDS)) --metadata=$(call quote,$(METADATA)) --archive=$(call quote,$(ARCHIVE))
BUILD_ARGS = $(FOLDERS) $(if $(PROFILE),--profile $(call quote,$(PROFILE)))

# An article whose PDF cannot be named yet (no record, say) is handed to every build,
# which reports why; one whose name is refused is reported from the plan's list.
STALE := $(UNPLANNED)
CATALOG := $(ARCHIVE)/catalog.sqlite
TO_DO = $(strip $(STALE) $(REFUSED) $(PROFILE_CHANGE) $(if $(wildcard $(CATALOG)),,catalog))
BUILD = $(ARCHIVIST) build $(BUILD_ARGS) $(if $(and $(PROFILE_CHANGE),$(CHANGE_PROFILE)),--change-profile) \
        $(WHERE) --total $(words $(STEMS))
# Where the typesetting runs: this machine's cores, or the workers of a Dask cluster.
WHERE = $(if $(SCHEDULER),--scheduler $(call quote,$(SCHEDULER)),-j $(JOBS))
# The list goes through a file: ten thousand names would not fit on one command line.
RUN_BUILD = $(eval LIST := $(shell mkdir -p $(call quote,$(WORK)) && mktemp $(call quote,$(WORK))/stale.XXXXXX)) \
  $(file >$(LIST),$(STALE))$(if $(REFUSED),cat $(call quote,$(PLAN).refused) >&2;) \
  $(BUILD) --list $(call quote,$(LIST)); status=$$?; rm -f $(call quote,$(LIST)); \
  $(if $(REFUSED),[ $$status -ne 0 ] || status=12;) exit $$status

all: $(PDFS) $(XMLS)
	@$(if $(TO_DO),$(if $(DRY_RUN),$(BUILD) --list '<$(words $(sort $(STALE))) stale articles>',$(RUN_BUILD)))

# A stale PDF or oai_dc record is only noted here (an article twice when both are: the build
# takes it once); the recipe of `all` builds every noted one in one process.
ifneq ($(PDFS),)
$(PDFS) $(XMLS): $(CODE_STAMP) $(wildcard $(PROFILE_FILE)) | $(PREPARED) $(if $(SCHEDULER),$(CLUSTER))
	$(eval STALE += $(basename $(notdir $(filter $(SEEDS)/%.txt,$^))))
endif

# An article or record the plan names but that is gone: the plan is made again.
$(SEEDS)/%.txt: ;
$(METADATA)/%.yaml: ;
# The plan's mark of replaced articles, if it went: made again, their PDFs are rebuilt once.
$(PLAN).replaced:
	@touch $(call quote,$@)

$(CODE_STAMP): $(CODE)
	@mkdir -p $(call quote,$(@D)) && touch $(call quote,$@)

# The venv is made (afresh) with the interpreter tools/find-python names: PYTHON= (a path or a
# command name) when given, else the system's python3 when it will do, else python3.
$(INSTALLED): requirements.lock pyproject.toml
	@python="$$(tools/find-python)" && echo "making $(VENV) with $$python" && \
	"$$python" -m venv --clear $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -r requirements.lock
	$(VENV)/bin/pip install --quiet --disable-pip-version-check --no-deps -e .
	@touch $@

# What is prepared once per venv (hyphenation patterns, font tables), prepared again when the
# code that makes and reads those files changes: an older venv's files would go unread.
$(PREPARED): $(INSTALLED) src/archivist/hyphenation.py src/archivist/fonts.py src/archivist/prepared.py
	$(VENV)/bin/python -m archivist.hyphenation >/dev/null
	$(VENV)/bin/python -m archivist.fonts >/dev/null
	@touch $@

# The optional cluster extra: Dask's scheduler and workers (.venv/bin/dask), pinned.
$(CLUSTER): requirements-cluster.lock $(INSTALLED)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -r requirements-cluster.lock
	@touch $@

# What a worker machine of a cluster needs: `make install-cluster`, then `.venv/bin/dask worker ...`.
install-cluster: $(CLUSTER)

# The tests start a real Dask cluster on loopback: they need the cluster extra too.
$(TEST_DEPS): requirements-dev.lock $(CLUSTER)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -r requirements-dev.lock
	@touch $@

check: | $(INSTALLED)
	@$(ARCHIVIST) check $(BUILD_ARGS)

validate: | $(INSTALLED)
	@$(ARCHIVIST) validate $(BUILD_ARGS)

# Re-hash every archived file against archive/manifest-sha256.txt.
verify: | $(INSTALLED)
	@$(ARCHIVIST) verify --archive=$(call quote,$(ARCHIVE))

verapdf:
	@tools/verapdf/verapdf --fetch-only

test: $(TEST_DEPS) | $(PREPARED)
	@$(VENV)/bin/python -m pytest $(PYTEST_ARGS)

# ruff, then the import contract in pyproject.toml: the checker shares no code with the writer,
# and every stage imports only the stages below it.
lint: $(TEST_DEPS)
	@$(VENV)/bin/ruff check src tests bench
	@$(VENV)/bin/lint-imports --no-cache

bench: | $(INSTALLED)
	bash bench/setup.sh
	bench/.venv/bin/python bench/run.py $(BENCH_ARGS)

# Line quality beside Typst, measured from both systems' PDFs (bench/results-typography.md).
bench-typography: | $(INSTALLED)
	bash bench/setup.sh
	bench/.venv/bin/python bench/typography.py $(BENCH_ARGS)

# `archivist clean` removes only what archivist wrote, and refuses a folder that is not an archive.
clean: | $(INSTALLED)
	@$(ARCHIVIST) clean --archive=$(call quote,$(ARCHIVE))

# Without a venv there is no archivist to clean with, and nothing is installed just to delete it.
distclean:
	@if [ -x $(ARCHIVIST) ]; then $(MAKE) --no-print-directory clean; fi
	rm -rf $(VENV) bench/.venv bench/.venv-archivist
