# The front door. `make run` starts the assistant; `make test` checks everything.
# Both set up what is missing first: a Python 3.10 virtualenv from requirements.lock, the
# project's spaCy pipeline, and a trained model (only retrained when data, config or domain
# change).

SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
MODEL := models/assistant.tar.gz
SPACY_DIR := build/spacy/ketamine_en_v1
RISK_MODEL := build/risk/risk_model.joblib
TRAINING_INPUTS := config.yml domain.yml $(shell find data -name '*.yml' 2>/dev/null) \
                   assistant/language/terms.yml assistant/language/encoder.yml

# Python 3.10: the first candidate that really runs. A pyenv shim for `python3.10` is on PATH
# even when 3.10 is not the active pyenv version (it then fails), so each one is tried.
PYTHON310 ?= $(shell for c in $$(command -v python3.10 2>/dev/null) \
                 $$(ls -d $${PYENV_ROOT:-$$HOME/.pyenv}/versions/3.10.*/bin/python3.10 2>/dev/null | sort -rV); do \
                 "$$c" -c 'import sys; assert sys.version_info[:2] == (3, 10)' >/dev/null 2>&1 && { echo "$$c"; break; }; \
               done)

export RASA_TELEMETRY_ENABLED := false
export TF_CPP_MIN_LOG_LEVEL := 3
export PYTHONPATH := $(CURDIR)
export SQLALCHEMY_SILENCE_UBER_WARNING := 1
export PYTHONWARNINGS := ignore
export ACTION_SERVER_URL ?= http://127.0.0.1:5055/webhook
export ACTION_SERVER_TOKEN ?=

.PHONY: help setup system-deps run shell run-cluster test validate train build-spacy build-risk lint format \
        lock clean content-report purge

help:
	@echo "make run     start the assistant (REST on :5005, demo page on :8080)"
	@echo "make test    set up, then run every test"
	@echo "make shell   chat with the assistant in this terminal"
	@echo "make lint    ruff checks;  make format  ruff format"
	@echo "make run-cluster  two replicas + two action servers behind nginx (PostgreSQL, Redis)"
	@echo "make eval    accuracy report beside baselines (reports/eval.md)"
	@echo "make bench   load benchmark beside a minimal bot (reports/bench.md)"
	@echo "make content-report  review sheet for clinical sign-off (reports/content-review.html)"
	@echo "make purge   delete conversations older than privacy.retention_days"
	@echo "make train   retrain the model;  make lock  re-pin requirements.lock"

# ------------------------------------------------------------------ set-up
$(BIN)/.installed: requirements.lock requirements-encoder.lock
	@if [ -z "$(PYTHON310)" ]; then \
	  echo "error: Python 3.10 is needed (Rasa 3.6 supports 3.8-3.10): install python3.10 or 'pyenv install 3.10'" >&2; \
	  exit 1; fi
	@test -x $(PY) || $(PYTHON310) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check --no-deps -r requirements.lock
	$(BIN)/pip install --quiet --disable-pip-version-check --no-deps --require-hashes \
	  -r requirements-encoder.lock
	$(BIN)/pip check
	@touch $@

$(SPACY_DIR)/meta.json: $(BIN)/.installed assistant/language/terms.yml assistant/language/pipeline.py
	$(PY) -m assistant.language.pipeline
	@touch $@

build-spacy: $(SPACY_DIR)/meta.json

# The learned risk classifier beside the safety rules (assistant/safety/risk_model.py).
$(RISK_MODEL): $(BIN)/.installed $(wildcard assistant/safety/risk_examples*.yml) assistant/safety/risk_model.yml \
               assistant/safety/risk_model.py $(shell find data/faq data/nlu tests/safety/cases -name '*.yml' 2>/dev/null)
	$(PY) -m assistant.safety.risk_model
	@touch $@

build-risk: $(RISK_MODEL)

$(MODEL): $(BIN)/.installed $(SPACY_DIR)/meta.json $(TRAINING_INPUTS)
	@mkdir -p models var
	$(BIN)/rasa train --fixed-model-name assistant --out models --quiet
	@touch $@

train: $(MODEL)

setup: $(BIN)/.installed $(SPACY_DIR)/meta.json $(RISK_MODEL) $(MODEL)
	@$(PY) -m assistant.settings

# Debian packages the browser and cluster tests drive: installed when missing and possible.
system-deps:
	@missing=""; \
	  test -x /usr/bin/chromium || missing="$$missing chromium"; \
	  command -v nginx >/dev/null 2>&1 || test -x /usr/sbin/nginx || missing="$$missing nginx"; \
	  if [ -n "$$missing" ]; then \
	    if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	      echo "Installing$$missing (Debian packages)"; \
	      DEBIAN_FRONTEND=noninteractive apt-get install -y -q $$missing >/dev/null \
	        || (apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q $$missing >/dev/null); \
	    else \
	      echo "note: install$$missing (apt-get install$$missing) for the browser and cluster tests"; \
	    fi; \
	  fi

# ------------------------------------------------------------------ running
run: setup
	$(PY) -m assistant.stack run

shell: setup
	$(PY) -m assistant.stack shell

run-cluster: setup system-deps
	$(PY) -m assistant.cluster.run

purge: $(BIN)/.installed
	$(PY) -m assistant.privacy.retention

content-report: $(BIN)/.installed
	$(PY) scripts/content_report.py

# ------------------------------------------------------------------ checks
validate: setup
	$(PY) -m pytest -q tests/test_data_validation.py

lint: $(BIN)/.installed
	$(BIN)/ruff check assistant actions tests scripts
	$(BIN)/ruff format --check assistant actions tests scripts

format: $(BIN)/.installed
	$(BIN)/ruff format assistant actions tests scripts

test: setup system-deps
	$(BIN)/ruff check assistant actions tests scripts
	$(PY) -m pytest

# ------------------------------------------------------------------ measurement
# make eval (NLU beside baselines, reports/eval.md) and make bench (load beside a minimal bot,
# reports/bench.md); docs/evaluation.md explains both reports.
include scripts/eval/eval.mk scripts/bench/bench.mk

# ------------------------------------------------------------------ maintenance
lock:
	rm -rf .venv-lock && $(PYTHON310) -m venv .venv-lock
	.venv-lock/bin/pip install --quiet -r requirements.in
	( echo "# Every package the project installs, pinned (generated by \`make lock\` from requirements.in)."; \
	  echo "# Installed with: pip install --no-deps -r requirements.lock && pip check"; \
	  .venv-lock/bin/pip freeze --all | grep -v '^pip==' | sort -f ) > requirements.lock
	rm -rf .venv-lock

clean:
	rm -rf build models results var/logs .pytest_cache .ruff_cache
