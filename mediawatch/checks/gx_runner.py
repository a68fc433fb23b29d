"""Run the suites through Great Expectations and render Data Docs; the only module that touches GX.

GX runs in plain functions (its Airflow provider cannot be installed beside Airflow 3.3), with an
ephemeral context: suites are code (mediawatch.checks.suites), so nothing needs to persist in a GX
project, and the history lives in the warehouse's dq_results. Each suite validates a pandas
DataFrame (GX's SQL datasource cannot read duckdb-engine results in GX 1.24), which stays small
because DuckDB aggregates first (mediawatch.checks.frames).
"""

from __future__ import annotations

import os
import shutil
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mediawatch.checks.suites import SUITE_KEYS, Check, load_gx

if TYPE_CHECKING:  # pandas loads only when a frame is built: a gate with nothing new needs none
    import pandas as pd

SITE_NAME = "mediawatch"
SAMPLE_SIZE = 20  # offending rows listed in dq_results.details (all of them are quarantined)


@dataclass
class CheckResult:
    """The outcome of one check in one run, as dq_results stores it."""

    name: str
    suite: str
    severity: str
    success: bool
    observed_value: str | None
    row_level: bool = False
    details: dict[str, Any] = field(default_factory=dict)
    offenders: list[dict[str, Any]] = field(default_factory=list)  # key columns of failing rows


def _context(docs_dir: Path, template_cache: Path) -> Any:
    gx = load_gx()
    from great_expectations.data_context.types.base import (
        DataContextConfig,
        InMemoryStoreBackendDefaults,
        ProgressBarsConfig,
    )

    config = DataContextConfig(
        store_backend_defaults=InMemoryStoreBackendDefaults(),
        progress_bars=ProgressBarsConfig(globally=False),
        analytics_enabled=False,
        data_docs_sites={
            SITE_NAME: {
                "class_name": "SiteBuilder",
                "site_index_builder": {"class_name": "DefaultSiteIndexBuilder",
                                       "view": _view("CachedJinjaIndexPageView", template_cache)},
                "site_section_builders": {
                    "expectations": {"view": _view("CachedJinjaPageView", template_cache)},
                    "validations": {"view": _view("CachedJinjaPageView", template_cache)},
                    "profiling": "False",  # this project never profiles
                },
                "store_backend": {
                    "class_name": "TupleFilesystemStoreBackend",
                    "base_directory": str(docs_dir),
                },
            }
        },
    )
    return gx.get_context(mode="ephemeral", project_config=config)


def _view(class_name: str, template_cache: Path) -> dict[str, str]:
    """A Data Docs view of mediawatch.checks.gx_views: GX's own, with its templates compiled once."""
    return {"module_name": "mediawatch.checks.gx_views", "class_name": class_name,
            "template_cache": str(template_cache)}


class Validation:
    """One gate run's GX session: validate suites one by one, then render Data Docs once."""

    def __init__(self, docs_dir: Path, run_name: str) -> None:
        gx = load_gx()

        self.docs_dir = docs_dir
        self.run_name = run_name
        docs_dir.parent.mkdir(parents=True, exist_ok=True)
        self._building = docs_dir.with_name(f".{docs_dir.name}.{os.getpid()}.tmp")
        shutil.rmtree(self._building, ignore_errors=True)
        self._gx = gx
        # compiled Data Docs templates, kept beside the site (see mediawatch.checks.gx_views)
        self._context = _context(self._building, docs_dir.with_name(f".{docs_dir.name}-templates"))
        self._source = self._context.data_sources.add_pandas("mediawatch")

    def run(self, suite_name: str, frame: pd.DataFrame, checks: list[Check]) -> list[CheckResult]:
        """Validate `frame` against the checks of `suite_name`."""
        from great_expectations.core.run_identifier import RunIdentifier

        gx = self._gx
        mine = [check for check in checks if check.suite == suite_name]
        by_name = {check.name: check for check in mine}
        keys = SUITE_KEYS[suite_name]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # GX and pandas deprecation chatter, not findings
            # copies: GX binds an expectation to the first suite it joins, and the checks are
            # definitions that may be validated again (another run, another context). Given to the
            # suite whole: add_expectation() stores the whole suite again for each one (0.25 s)
            suite = self._context.suites.add(gx.ExpectationSuite(
                name=suite_name,
                expectations=[check.expectation.copy(update={"id": None, "notes": _notes(check)})
                              for check in mine],
            ))
            asset = self._source.add_dataframe_asset(suite_name)
            definition = self._context.validation_definitions.add(
                gx.ValidationDefinition(
                    name=suite_name, data=asset.add_batch_definition_whole_dataframe("batch"), suite=suite
                )
            )
            result_format: dict[str, Any] = {"result_format": "COMPLETE"}
            if keys:
                result_format["unexpected_index_column_names"] = keys
            outcome = definition.run(
                batch_parameters={"dataframe": frame},
                result_format=result_format,
                run_id=RunIdentifier(run_name=self.run_name),
            )
        return [_result(by_name[item.expectation_config.meta["check"]], item, keys) for item in outcome.results]

    def publish_docs(self) -> Path:
        """Render Data Docs for everything validated and swap them into `docs_dir`; returns index.html."""
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            self._context.build_data_docs(site_names=[SITE_NAME])
        _replace_folder(self._building, self.docs_dir)
        return self.docs_dir / "index.html"

    def discard(self) -> None:
        """Remove a half-built site (a run that failed before publishing); the old site stays."""
        shutil.rmtree(self._building, ignore_errors=True)


def _notes(check: Check) -> str:
    """What Data Docs show beside the expectation: our name for it and what a failure does."""
    effect = (
        "failing rows are quarantined; critical when they are a systemic share of the batch"
        if check.row_level
        else f"a failure is {check.severity}"
    )
    return f"mediawatch check `{check.name}`: {check.description} ({effect})."


def _result(check: Check, item: Any, keys: list[str]) -> CheckResult:
    """Flatten one GX ExpectationValidationResult."""
    raw = dict(item.result or {})
    details: dict[str, Any] = {"description": check.description}
    errors = _exception_messages(item.exception_info or {})
    if errors:
        # a check that could not be evaluated has not passed; say why
        message = "; ".join(sorted(set(errors)))
        details["error"] = message
        return CheckResult(check.name, check.suite, check.severity, False, f"error: {message}",
                           check.row_level, details)
    offenders: list[dict[str, Any]] = []
    if "unexpected_count" in raw:
        count = int(raw.get("unexpected_count") or 0)
        total = int(raw.get("element_count") or 0)
        observed = f"{count} of {total} rows"
        details.update(unexpected_count=count, element_count=total,
                       unexpected_percent=raw.get("unexpected_percent"))
        rows = raw.get("unexpected_index_list") or []
        if keys:
            offenders = [row for row in rows if isinstance(row, dict)]
        details["sample"] = offenders[:SAMPLE_SIZE] or raw.get("partial_unexpected_list", [])[:SAMPLE_SIZE]
    else:
        observed = str(raw.get("observed_value"))
        details["observed_value"] = raw.get("observed_value")
    return CheckResult(check.name, check.suite, check.severity, bool(item.success), observed,
                       check.row_level, details, offenders)


def _exception_messages(info: dict[str, Any]) -> list[str]:
    """Messages of exceptions GX caught while evaluating a check. GX reports them either flat or,
    when a metric failed, as one such dict per metric id."""
    if "raised_exception" in info:
        return [str(info.get("exception_message"))] if info["raised_exception"] else []
    return [msg for sub in info.values() if isinstance(sub, dict) for msg in _exception_messages(sub)]


def _replace_folder(new: Path, target: Path) -> None:
    """Swap a freshly built folder into place, so readers never see half a site."""
    old = target.with_name(f".{target.name}.{os.getpid()}.old")
    shutil.rmtree(old, ignore_errors=True)
    if target.exists():
        target.rename(old)
    new.rename(target)
    shutil.rmtree(old, ignore_errors=True)
