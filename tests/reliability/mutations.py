"""Mutation check of the reliability and security tests: remove one protection at a time in a
scratch git worktree, run the test meant to catch it, put the file back, print a Markdown table.

    .venv/bin/python tests/reliability/mutations.py            # every mutation (about 8 minutes)
    .venv/bin/python tests/reliability/mutations.py 0 4 12     # some of them, by index

It never edits the working tree you run it from: it mutates a detached worktree of HEAD
(`/tmp/mw-mutate` unless $MW_MUTATE_DIR says otherwise) and removes it at the end. A row that says
NOT CAUGHT means the protection can be removed without any test noticing.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
PYTHON = REPO / ".venv" / "bin" / "python"
CORPUS = REPO.parent / "shared" / "corpus" / "article-extraction-dev"


@dataclass(frozen=True)
class Mutation:
    """One protection: where it lives (`old` text in `path`), its removal (`new`), the test that
    must then fail. `old`/`new` may be lists to remove several layers of one protection at once."""

    protection: str
    path: str
    old: str | list[str]
    new: str | list[str]
    test: str


MUTATIONS = [
    Mutation(
        'SSRF check on every request (NetGuardMiddleware)',
        'spiders/settings.py',
        '    "spiders.middlewares.NetGuardMiddleware": 50,\n',
        '',
        'tests/reliability/test_ssrf.py::test_no_internal_listener_is_ever_connected',
    ),
    Mutation(
        'SSRF re-check at connect time (GuardedResolver)',
        'spiders/settings.py',
        'TWISTED_DNS_RESOLVER = "spiders.resolver.GuardedResolver"\n',
        '',
        'tests/reliability/test_ssrf.py::test_no_internal_listener_is_ever_connected',
    ),
    Mutation(
        'loopback addresses are non-public (netguard.blocked_reason)',
        'mediawatch/netguard.py',
        '        (ip.is_loopback, "loopback"),\n',
        '',
        'tests/reliability/test_ssrf.py',
    ),
    Mutation(
        'any bad DNS answer among several blocks (netguard.check_url)',
        'mediawatch/netguard.py',
        '    for address in addresses:\n',
        '    for address in addresses[:1]:\n',
        'tests/reliability/test_ssrf.py::test_names_resolving_to_internal_addresses_are_blocked_by_the_system_resolver',
    ),
    Mutation(
        'XML entity declarations refused (discovery.parse_xml)',
        'spiders/discovery.py',
        '    if b"<!ENTITY" in body or b"<!entity" in body:\n',
        '    if False:\n',
        'tests/badinput/test_extract_cases.py::test_xml_attacks_are_rejected_before_parsing',
    ),
    Mutation(
        'download size cap (DOWNLOAD_MAXSIZE)',
        'spiders/settings.py',
        'DOWNLOAD_MAXSIZE = 10 * 1024 * 1024\n',
        'DOWNLOAD_MAXSIZE = 0\n',
        'tests/badinput/test_crawl_cases.py::test_big_pages_and_gzip_bombs_fail_as_too_large',
    ),
    Mutation(
        'binary bodies are not extracted (staging.build_staged_page)',
        'mediawatch/staging.py',
        '    if text is None or looks_binary(body):\n',
        '    if text is None:\n',
        'tests/badinput/test_crawl_cases.py::test_each_html_case_is_staged_with_a_clear_outcome',
    ),
    Mutation(
        "crashed run's .part is finalised (staging.finalize_leftovers)",
        'mediawatch/staging.py',
        '    finished = []\n    for part in',
        '    finished = []\n    return finished\n    for part in',
        'tests/reliability/test_crash_safety.py::test_a_crawl_killed_mid_run_then_rerun_loses_and_duplicates_nothing',
    ),
    Mutation(
        "gate rerun replaces its run's results (checks/gate.py delete by run_id)",
        'mediawatch/checks/gate.py',
        '            con.execute(f"delete from main.{table} where run_id = ?", [run_id])\n',
        '            pass\n',
        'tests/reliability/test_crash_safety.py::test_each_step_run_twice_with_the_same_run_id_changes_nothing',
    ),
    Mutation(
        'failed crawl still leaves stats (pipeline.record_failed_crawl)',
        'mediawatch/pipeline.py',
        '        record_failed_crawl(paths, source, run_id, str(exc))\n',
        '        pass\n',
        'tests/reliability/test_observability.py::test_every_crawl_records_its_counts',
    ),
    Mutation(
        'three failed runs flag a source (sql/marts/sources.sql)',
        'sql/marts/sources.sql',
        'coalesce(streaks.consecutive_failures, 0) >= 3 as failing',
        'coalesce(streaks.consecutive_failures, 0) >= 4 as failing',
        'tests/reliability/test_observability.py::test_a_source_crashing_three_runs_in_a_row_is_flagged_and_reported',
    ),
    Mutation(
        'source names are identifiers (sources._NAME)',
        'mediawatch/sources.py',
        '_NAME = re.compile(r"^[a-z0-9_]+$")',
        '_NAME = re.compile(r"^.+$")',
        'tests/reliability/test_injection.py::test_a_source_name_that_is_not_an_identifier_is_rejected',
    ),
    Mutation(
        'report cells are HTML-escaped (report/render.py)',
        'mediawatch/report/render.py',
        '    return escape(format_cell(value))',
        '    return format_cell(value)',
        'tests/reliability/test_injection.py::test_the_report_and_analyst_queries_take_them_as_data',
    ),
    Mutation(
        'login required (airflow.cfg all_admins False)',
        'airflow.cfg',
        'simple_auth_manager_all_admins = False',
        'simple_auth_manager_all_admins = True',
        'tests/reliability/test_airflow_access.py::test_airflow_cfg_requires_login_and_binds_loopback',
    ),
    Mutation(
        'api-server on loopback (airflow.cfg [api] host)',
        'airflow.cfg',
        'host = 127.0.0.1',
        'host = 0.0.0.0',
        'tests/reliability/test_airflow_access.py::test_airflow_cfg_requires_login_and_binds_loopback',
    ),
    Mutation(
        'no committed secret (planted Fernet key in airflow.cfg)',
        'airflow.cfg',
        'load_examples = False\n',
        # built here, so this file itself holds no key-shaped text
        'load_examples = False\nfernet_key = ' + 'k' * 43 + '=\n',
        'tests/reliability/test_airflow_access.py::test_no_secret_or_default_password_is_committed',
    ),
    Mutation(
        'query parameters sorted in URL normalisation (urls._normalize_query)',
        'mediawatch/urls.py',
        '    pairs.sort()\n',
        '',
        'tests/reliability/test_properties.py::test_spellings_of_one_url_normalise_to_the_same_url',
    ),
    Mutation(
        'secrets file 0600, both layers (bin/airflow umask + chmod)',
        'bin/airflow',
        ['  umask 077\n', '  chmod 600 "$secrets"\n'],
        ['  umask 022\n', ''],
        'tests/reliability/test_airflow_access.py::test_bin_airflow_generates_private_ignored_secrets',
    ),
    Mutation(
        'tracking parameters dropped (urls.is_tracking_param use)',
        'mediawatch/urls.py',
        '        if key and not is_tracking_param(key)\n',
        '        if key\n',
        'tests/reliability/test_properties.py::test_spellings_of_one_url_normalise_to_the_same_url',
    ),
    Mutation(
        'feed/sitemap errors count against success (sql/marts/crawl_runs.sql)',
        'sql/marts/crawl_runs.sql',
        'stats.failed + stats.errors > 0',
        'stats.failed > 0',
        'tests/reliability/test_observability.py::test_a_source_whose_feed_is_down_three_runs_in_a_row_is_flagged',
    ),
    Mutation(
        'names refused at connect time are blocked_address (spiders/policy.py)',
        'spiders/policy.py',
        '        if host in GuardedResolver.blocked_hosts:\n',
        '        if False:\n',
        'tests/reliability/test_ssrf.py::test_each_blocked_url_is_staged_and_counted',
    ),
    Mutation(
        'download size cap on feeds (DOWNLOAD_MAXSIZE; fault matrix, 16 MB feed)',
        'spiders/settings.py',
        'DOWNLOAD_MAXSIZE = 10 * 1024 * 1024\n',
        'DOWNLOAD_MAXSIZE = 0\n',
        'tests/reliability/test_fault_matrix.py::test_each_fault_mode_alone[huge_feed]',
    ),
]


def run(mutation: Mutation, worktree: Path) -> str:
    """Apply one mutation, run its test, restore the file; return a Markdown table row."""
    target = worktree / mutation.path
    text = target.read_text()
    olds = mutation.old if isinstance(mutation.old, list) else [mutation.old]
    news = mutation.new if isinstance(mutation.new, list) else [mutation.new]
    if any(text.count(old) != 1 for old in olds):
        return f"| {mutation.protection} | {mutation.path} | not applied: code changed | {mutation.test} |"
    line = text[: text.index(olds[0])].count("\n") + 1
    for old, new in zip(olds, news, strict=True):
        text = text.replace(old, new)
    target.write_text(text)
    env = dict(os.environ, PYTHONPATH=str(worktree), MEDIAWATCH_FIXTURE_CORPUS=str(CORPUS))
    started = time.monotonic()
    try:
        done = subprocess.run(
            [str(PYTHON), "-m", "pytest", mutation.test, "-q", "-x", "-p", "no:cacheprovider",
             "-m", "", "--timeout", "300"],
            cwd=worktree, env=env, capture_output=True, text=True, timeout=900,
        )
    finally:
        subprocess.run(["git", "checkout", "-q", "--", mutation.path], cwd=worktree, check=True)
    verdict = "caught" if done.returncode == 1 else f"NOT CAUGHT (exit {done.returncode})"
    return (f"| {mutation.protection} | {mutation.path}:{line} | {verdict} | {mutation.test} | "
            f"{time.monotonic() - started:.0f} s |")


def main(indexes: list[int]) -> None:
    """Run the chosen mutations (all by default) in a fresh worktree of HEAD."""
    worktree = Path(os.environ.get("MW_MUTATE_DIR", "/tmp/mw-mutate"))
    subprocess.run(["git", "worktree", "add", "-q", "--detach", str(worktree), "HEAD"], cwd=REPO, check=True)
    (worktree / ".venv").symlink_to(REPO / ".venv")  # Airflow tests look for .venv/bin/airflow
    try:
        print("| protection | removed at | result | test | time |\n|---|---|---|---|---|", flush=True)
        for i, mutation in enumerate(MUTATIONS):
            if not indexes or i in indexes:
                print(run(mutation, worktree), flush=True)
    finally:
        (worktree / ".venv").unlink()
        subprocess.run(["git", "worktree", "remove", "--force", str(worktree)], cwd=REPO, check=True)


if __name__ == "__main__":
    main([int(arg) for arg in sys.argv[1:]])
