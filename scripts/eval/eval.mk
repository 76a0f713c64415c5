# NLU evaluation targets. The Makefile pulls them in with:
#     include scripts/eval/eval.mk scripts/bench/bench.mk
#
#   make eval         full run: trains the assistant's NLU, the Rasa default baseline and five
#                     cross-validation models (about 20-25 min on 2 cores); writes reports/eval.md
#   make eval-quick   smoke test (5 epochs, one CV fold; about 5 min); report under
#                     reports/artifacts/quick/
#   EVAL_ARGS='...'   extra options, e.g. EVAL_ARGS='--cv-epochs 50' (see --help)
#
# Models are trained into a temporary directory: models/ and .rasa/ are not touched, so it does
# not need (or rebuild) models/assistant.tar.gz. Runs at lower CPU priority (nice): training
# times in the report then depend on what else the machine is doing; accuracy does not.

EVAL_ARGS ?=
EVAL_ENV := CLINIC_SETTINGS=$${CLINIC_SETTINGS:-tests/fixtures/clinic.test.yml}

.PHONY: eval eval-quick

eval: $(BIN)/.installed $(SPACY_DIR)/meta.json
	$(EVAL_ENV) nice -n 10 $(PY) scripts/eval/run_eval.py $(EVAL_ARGS)

eval-quick: $(BIN)/.installed $(SPACY_DIR)/meta.json
	$(EVAL_ENV) nice -n 10 $(PY) scripts/eval/run_eval.py --quick $(EVAL_ARGS)
