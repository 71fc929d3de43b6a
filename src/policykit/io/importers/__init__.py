"""Bring published spreadsheets (权责清单 .xls/.xlsx/.csv) into the repository as YAML.

>>> from policykit.io.importers import import_files
>>> plan = import_files(["清单.xls"], out_dir="lists", dry_run=True)
>>> plan.files[0].items[0]["name"]
"""
from .mapping import Mapping, load_mapping
from policykit.io.importers.powers import (ImportPlan, FileResult, Config, load_config, plan_import, import_files, FATE_IMPORTED, FATE_MERGED, FATE_SKIPPED)
from .spreadsheet import ImportLimits, Sheet, Workbook, detect_format, read_workbook
from .report import report_data, format_text, format_json

__all__ = [
    "Mapping", "load_mapping", "ImportPlan", "FileResult", "Config", "load_config", "plan_import",
    "import_files", "FATE_IMPORTED", "FATE_MERGED", "FATE_SKIPPED", "ImportLimits", "Sheet", "Workbook", "detect_format",
    "read_workbook", "report_data", "format_text", "format_json",
]
