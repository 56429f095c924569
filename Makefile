# Two commands do everything on a fresh machine, set-up included:
#   make report   parse the documents in data/raw/, check them, write the HTML reports
#   make test     run the whole test suite
PY ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)
SYS_STAMP := $(VENV)/.system-deps
JOBS ?= 2

.PHONY: setup report test bench lab screenshot clean corpus corpus-reports

setup: $(STAMP) $(SYS_STAMP)

$(STAMP): pyproject.toml
	@test -n "$(PY)" || { echo "Python 3.11+ is needed (python3.11 or python3 on PATH)"; exit 1; }
	@$(PY) -c 'import sys; assert sys.version_info >= (3, 11), "budgetlib needs Python 3.11+"'
	$(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test]'
	# The notebooks' kernel is this venv's Python, installed inside the venv.
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 --display-name "Python 3 (budgetlib)" >/dev/null
	@rm -f $(VENV)/.installed-*
	@touch $@

$(SYS_STAMP):
	@mkdir -p $(VENV)
	bash scripts/system-deps.sh
	@touch $@

# parse -> reconcile -> four notebooks per document -> HTML, with reports/index.html
report: setup
	$(BIN)/budgetlib parse data/raw/
	$(BIN)/budgetlib check data/raw/
	$(BIN)/budgetlib batch data/raw/ --out reports/ --jobs $(JOBS)

test: setup
	$(BIN)/python -m pytest -q

bench: setup
	$(BIN)/python -m budgetlib.bench

# every PDF of ../shared/corpus/ read afresh: one table per family -> reports/corpus.md
corpus: setup
	$(BIN)/python -m budgetlib.corpus_check

# the four report notebooks on every PDF of ../shared/corpus/: one table per family (reports
# written, failures, analyses the documents do not disclose) -> reports/corpus-reports/
corpus-reports: setup
	$(BIN)/python -m budgetlib.corpus_reports --jobs $(JOBS)

# JupyterLab refuses to run as root unless told to (containers often run as root).
lab: setup
	$(BIN)/jupyter lab notebooks/$(if $(filter 0,$(shell id -u)), --allow-root)

# PNGs of reports/index.html and every report page, as headless Chromium draws them with no
# Chinese system font (the pages embed their own): reports/screenshots/. Run `make report` first.
screenshot: setup
	$(BIN)/python -m budgetlib.report screenshot reports

clean:
	rm -rf $(VENV) reports data/processed/*/ .pytest_cache
