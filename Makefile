# 两条命令即可上手 · two commands on a fresh machine: `make check` and `make test`
# the first interpreter that really runs and is 3.11 or 3.12 (pyenv shims may exist without a version behind them)
PY ?= $(shell for p in python3.11 python3.12 python3; do $$p -c 'import sys; sys.exit(not (3, 11) <= sys.version_info[:2] <= (3, 12))' 2>/dev/null && { command -v $$p; break; }; done)
VENV ?= .venv
BIN = $(VENV)/bin

.PHONY: check test rules-test docs bench clean

$(BIN)/.installed: pyproject.toml
	@test -n "$(PY)" || { echo "需要 Python 3.11 或 3.12（durable-rules 不支持 3.13） · Python 3.11 or 3.12 is required"; exit 2; }
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[excel,site,test]'
	@touch $@

check: $(BIN)/.installed          ## 检查内置的示例城市清单
	$(BIN)/policykit check .

test: $(BIN)/.installed           ## 运行全部测试（含每条规则的示例）
	$(BIN)/python -m pytest

rules-test: $(BIN)/.installed
	$(BIN)/policykit test .

docs: $(BIN)/.installed          ## 生成网站（mkdocs --strict）
	$(BIN)/policykit docs build --strict

bench: $(BIN)/.installed          ## Jinan-scale benchmarks → docs/benchmarks.md
	$(BIN)/python benchmarks/run.py

clean:
	rm -rf $(VENV) site .pytest_cache
