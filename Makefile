# pyherd: the README's two commands are `make render` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.pyherd-installed
ENVMOD_DIR := .cache/environment-modules
BUILD_WHEELS := .cache/build-wheels
LMOD_CMD ?= /usr/share/lmod/lmod/libexec/lmod
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
# apt waits up to 10 minutes for another apt (unattended-upgrades) to let go of its locks
APT := DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get -o DPkg::Lock::Timeout=600
PY311 := import sys; sys.exit(sys.version_info < (3, 11))

export PYHERD_MODULECMD_TCL ?= $(firstword $(wildcard $(CURDIR)/$(ENVMOD_DIR)/usr/lib/*/modulecmd.tcl))

.PHONY: render test check lint lint-trees bench venv test-tools clean

## render: create .venv if needed, install pyherd, render every site into modulefiles/<site>/
render: $(STAMP)
	$(BIN)/pyherd render

## check: fail when modulefiles/ is stale against sites/ + templates/
check: $(STAMP)
	$(BIN)/pyherd render --check

## lint: ruff over the code, then Lmod / modulecmd.tcl over every rendered tree
lint: $(STAMP) test-tools
	$(BIN)/ruff check tools tests bench
	$(BIN)/ruff format --check tools tests bench
	$(MAKE) -s lint-trees

lint-trees:
	PYHERD_MODULECMD_TCL=$$(ls $(CURDIR)/$(ENVMOD_DIR)/usr/lib/*/modulecmd.tcl) $(BIN)/pyherd lint --modulepath tests/externals/easybuild  # ulhpc's EasyBuild externals, a stand-in

## test: install what the tests need (Lmod, Environment Modules, Python deps), run the suite
test: $(STAMP) test-tools
	PYHERD_MODULECMD_TCL=$$(ls $(CURDIR)/$(ENVMOD_DIR)/usr/lib/*/modulecmd.tcl) $(BIN)/pytest -q
	$(BIN)/pyherd render --check

## bench: benchmarks (medians and ratios; not part of `make test`)
bench: $(STAMP) $(LMOD_CMD)
	$(BIN)/python bench/render_bench.py
	$(BIN)/python bench/conda_bench.py
	$(BIN)/python bench/autoupdate_bench.py
	$(BIN)/python bench/wheels_bench.py
	$(BIN)/python bench/deploy_bench.py
	$(BIN)/python bench/lint_bench.py

venv: $(STAMP)

$(STAMP): pyproject.toml
	@$(PYTHON) -c '$(PY311)' 2>/dev/null || { echo "pyherd needs Python 3.11 or newer;" \
	  "$(PYTHON) is $$($(PYTHON) --version 2>&1 || echo not runnable here). Name another:" \
	  "make $(MAKECMDGOALS) PYTHON=python3.11" >&2; exit 2; }
	@if [ -e $(VENV) ] && ! $(BIN)/python -c '$(PY311)' 2>/dev/null; then \
	  echo "$(VENV) is broken or older than Python 3.11: making it again" >&2; rm -rf $(VENV); fi
	[ -x $(BIN)/python ] || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --disable-pip-version-check -e '.[test]'
	touch $@

# Debian's lmod as a package; environment-modules unpacked beside it (the two conflict in apt);
# systemd-analyze (Debian's systemd, not started) verifies the autoupdate units `pyherd cron` prints.
# The setuptools wheel that wheel-build tests install into build venvs offline.
# OpenSSH's server: the deploy tests start private sshd processes on 127.0.0.2-4.
# pkg-config finds a module's libraries through the PKG_CONFIG_PATH prefix_env sets.
# Slurm (slurmctld, slurmd, munge): the --slurm tests start a one-node cluster as private processes.
test-tools: $(LMOD_CMD) $(ENVMOD_DIR)/.unpacked /usr/bin/systemd-analyze $(BUILD_WHEELS)/.downloaded /usr/sbin/sshd /usr/bin/pkg-config /usr/sbin/slurmctld

/usr/sbin/slurmctld:
	$(APT) update -qq
	$(APT) install -y -qq slurmctld slurmd slurm-client munge >/dev/null

/usr/bin/pkg-config:
	$(APT) update -qq
	$(APT) install -y -qq pkgconf >/dev/null

/usr/sbin/sshd:
	$(APT) update -qq
	$(APT) install -y -qq openssh-server >/dev/null

$(BUILD_WHEELS)/.downloaded: $(STAMP)
	$(BIN)/pip download -q --disable-pip-version-check --only-binary=:all: --no-deps -d $(BUILD_WHEELS) 'setuptools==80.9.0'
	touch $@

/usr/bin/systemd-analyze:
	$(APT) update -qq
	$(APT) install -y -qq systemd >/dev/null

$(LMOD_CMD):
	$(APT) update -qq
	$(APT) install -y -qq lmod tcl >/dev/null

$(ENVMOD_DIR)/.unpacked:
	@command -v tclsh >/dev/null || { $(APT) update -qq && $(APT) install -y -qq tcl >/dev/null; }
	rm -rf $(ENVMOD_DIR) && mkdir -p $(ENVMOD_DIR)
	cd $(ENVMOD_DIR) && (apt-get download environment-modules >/dev/null 2>&1 || { $(APT) update -qq && apt-get download environment-modules >/dev/null; })
	dpkg-deb -x $(ENVMOD_DIR)/environment-modules_*.deb $(ENVMOD_DIR)
	touch $@

clean:
	rm -rf $(VENV) .cache
