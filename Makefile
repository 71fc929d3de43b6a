# 两条命令即可上手 · two commands on a fresh machine: `make check` and `make test`
PY ?= $(shell command -v python3.12 || command -v python3.11 || command -v python3)
VENV ?= .venv
BIN = $(VENV)/bin

.PHONY: check test rules-test docs bench clean

$(BIN)/.installed: pyproject.toml
	@$(PY) -c 'import sys; assert (3, 11) <= sys.version_info[:2] <= (3, 12), "需要 Python 3.11 或 3.12 (durable-rules 不支持 3.13)"'
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

clean:
	rm -rf $(VENV) site .pytest_cache
