# Two commands do all set-up on a fresh machine:
#   make run    - the web app on the demo corpus (http://127.0.0.1:7860)
#   make test   - the docs site built strictly, then the test suite (installs Debian's chromium
#                 for the browser tests)
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test test-slow lint browser clean decision docs judge-figures judge-report ship-judge

$(STAMP): requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	$(PY) -m pip install --quiet --no-deps --no-build-isolation -e .
	touch $(STAMP)

run: $(STAMP)
	$(PY) -m app $(ARGS)

# Debian's chromium for the end-to-end tests; never a browser downloaded by a test tool.
browser:
	@if [ ! -x /usr/bin/chromium ]; then \
		if [ "$$(id -u)" = 0 ]; then \
			(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
			|| echo "warning: could not install chromium; browser tests will be skipped"; \
		else \
			echo "warning: /usr/bin/chromium missing and not root; run 'sudo apt-get install -y chromium' or browser tests are skipped"; \
		fi; \
	fi

# The docs site is built strictly first: a broken link or a missing reference fails the tests.
test: $(STAMP) browser
	NO_MKDOCS_2_WARNING=1 $(VENV)/bin/mkdocs build --strict --quiet
	$(PY) -m pytest $(PYTEST_ARGS)

# The documentation site from docs/ and the docstrings, served on http://127.0.0.1:8000.
docs: $(STAMP)
	NO_MKDOCS_2_WARNING=1 $(VENV)/bin/mkdocs serve

# Slow tests: the shipped model over whole evaluation sets, large corpora.
test-slow: $(STAMP)
	$(PY) -m pytest -m slow $(PYTEST_ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check verifier models eval tests app

# Refit the verdict model after the judge changes: judge the FEVER validation claims, the
# VitaminC conflict set and Climate-FEVER against their pools, fit on FEVER's dev half, choose
# the CONFLICTING threshold and cross-check on FEVER's and the conflict set's, score the rest.
FACTCHECK := $(PY) -m eval.runs.factcheck --index-cache .cache/factcheck
# FEVER's claims with one-detail edits are made once and kept, so that a judge and the one
# before it are scored on the same set after the edit generator changes; delete the file to
# make it again from the current generator.
FEVER_CLAIMS := runs/fever/claims.jsonl
$(FEVER_CLAIMS): | $(STAMP)
	$(PY) -m eval.runs.fever_claims --out $(FEVER_CLAIMS) --detail-edits 600

# Each embedder has its verdict model, since the model reads the retriever's cosines:
# `make decision EMBEDDER=mpnet` fits models/decision/verdict-model-mpnet.json from runs/mpnet/.
EMBEDDER ?= minilm
ifeq ($(EMBEDDER),minilm)
DECISION_RUNS := runs
VERDICT_MODEL := models/decision/verdict-model.json
else
DECISION_RUNS := runs/$(EMBEDDER)
VERDICT_MODEL := models/decision/verdict-model-$(EMBEDDER).json
endif
# The runs' own verdicts come from the embedder's model, or MiniLM's before its first fit; the fit
# reads only the judged passages, and the -fitted runs are decided again by the new model.
VERDICT_START := $(or $(wildcard $(VERDICT_MODEL)),models/decision/verdict-model.json)
RUN_WITH := $(FACTCHECK) --embedder $(EMBEDDER) --verdict-model $(VERDICT_START)
decision: $(STAMP) $(FEVER_CLAIMS)
	$(RUN_WITH) --dataset climate-fever --data ../shared/data/factcheck/climate-fever.jsonl \
		--out $(DECISION_RUNS)/cf
	$(RUN_WITH) --dataset jsonl --data $(FEVER_CLAIMS) --out $(DECISION_RUNS)/fever
	$(PY) -m eval.runs.conflict_claims --data-dir ../shared/data --out runs/conflict/claims.jsonl
	$(RUN_WITH) --dataset jsonl --data runs/conflict/claims.jsonl --out $(DECISION_RUNS)/conflict-run
	$(PY) -m eval.fit.fit_decision --runs $(DECISION_RUNS)/fever \
		--conflict-runs $(DECISION_RUNS)/conflict-run --out $(VERDICT_MODEL)
	$(PY) -m eval.runs.redecide $(DECISION_RUNS)/cf --out $(DECISION_RUNS)/cf-fitted \
		--verdict-model $(VERDICT_MODEL)
	$(PY) -m eval.runs.redecide $(DECISION_RUNS)/fever --out $(DECISION_RUNS)/fever-fitted \
		--verdict-model $(VERDICT_MODEL)

# The figures the model card gives for a judge beyond `make decision`'s, for the judge in
# models/nli-minilm-l6 with the verdict model beside it, into $(REPORT): the four claim sets
# against their corpora, and the judge alone on the held-out slices of VitaminC and FEVER
# (recomputed by the training split, not read from a run's heldout.jsonl) and on MNLI.
REPORT ?= runs/judge
CLAIMS := $(PY) -m eval.runs.corpus_claims
JUDGE_ALONE := $(PY) -m eval.runs.nli --threads 2
judge-figures: $(STAMP)
	$(CLAIMS) --corpus ../shared/corpus/news --claims eval/claims/news_claims.jsonl --out $(REPORT)/news
	$(CLAIMS) --corpus ../shared/corpus/news --claims eval/claims/swap_news.jsonl --out $(REPORT)/swap-news
	$(CLAIMS) --corpus demo_corpus --claims demo_claims.jsonl --out $(REPORT)/demo
	$(CLAIMS) --corpus demo_corpus --claims eval/claims/swap_demo.jsonl --out $(REPORT)/swap-demo
	$(JUDGE_ALONE) --heldout-of vitaminc --out $(REPORT)/vitaminc.json
	$(JUDGE_ALONE) --heldout-of fever-train --two-way --out $(REPORT)/fever-pairs.json
	$(JUDGE_ALONE) --data ../shared/data/nli/mnli_heldout.jsonl --out $(REPORT)/mnli.json

# The shipped judge's figures as they stand, as the baseline for a new one in the same session:
# the Climate-FEVER and FEVER test halves under the shipped verdict model (no refit), then the rest.
judge-report: $(STAMP) $(FEVER_CLAIMS)
	$(FACTCHECK) --dataset climate-fever --data ../shared/data/factcheck/climate-fever.jsonl --out $(REPORT)/cf
	$(FACTCHECK) --dataset jsonl --data $(FEVER_CLAIMS) --out $(REPORT)/fever
	$(PY) -m eval.runs.redecide $(REPORT)/cf --out $(REPORT)/cf-fitted
	$(PY) -m eval.runs.redecide $(REPORT)/fever --out $(REPORT)/fever-fitted
	$(MAKE) judge-figures REPORT=$(REPORT)

# Ship a trained judge (JUDGE=ckpt/v10/best): its weights into models/nli-minilm-l6, the verdict
# models refit (make decision, for both embedders: each reads the judge's probabilities), its
# figures into runs/judge. `git checkout models/` takes it back.
# `python -m eval.runs.judge_table runs/judge-before runs/judge` sets the two side by side.
ship-judge: $(STAMP)
	@test -f "$(JUDGE)/model.safetensors" || (echo "JUDGE=<a trained judge's folder> is required" && exit 2)
	cp $(JUDGE)/config.json $(JUDGE)/model.safetensors $(JUDGE)/tokenizer.json \
		$(JUDGE)/tokenizer_config.json models/nli-minilm-l6/
	$(MAKE) decision
	$(MAKE) decision EMBEDDER=mpnet
	$(MAKE) judge-figures REPORT=runs/judge

clean:
	rm -rf $(VENV) .pytest_cache .verifier_cache site
