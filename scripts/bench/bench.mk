# Load benchmark targets. The Makefile pulls them in with:
#     include scripts/eval/eval.mk scripts/bench/bench.mk
#
#   make bench         full run: training times, cold start, 1/10/50 concurrent conversations for
#                      60/60/120 s against the assistant and the minimal bot (about 20 min);
#                      writes reports/bench.md
#   make bench-quick   smoke test (10 s phases, 2-epoch training copy; about 6 min); report under
#                      reports/artifacts/quick/
#   BENCH_ARGS='...'   extra options, e.g. BENCH_ARGS='--skip-training --durations 30' (--help)
#
# Benchmarks models/assistant.tar.gz, which `setup` trains when it is missing or older than
# config, domain or data (the report also warns when it is older).
# Ports 5505 (Rasa), 5555 (actions), 5506 (minimal bot) must be free. Not niced: latency
# figures need the CPU; run it when the machine is otherwise quiet.

BENCH_ARGS ?=
BENCH_ENV := CLINIC_SETTINGS=$${CLINIC_SETTINGS:-tests/fixtures/clinic.test.yml}

.PHONY: bench bench-quick

bench: setup
	$(BENCH_ENV) $(PY) scripts/bench/run_bench.py $(BENCH_ARGS)

bench-quick: setup
	$(BENCH_ENV) $(PY) scripts/bench/run_bench.py --quick $(BENCH_ARGS)
