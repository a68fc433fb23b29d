-- Version 8: a quality gate whose cost follows the new work (mediawatch.checks.gate).

-- the last build (meta.builds) a gate run covered, the run whose verdict it reused (null when it
-- validated), and a hash of the checks' definitions and thresholds (a change of either means
-- nothing earlier can be reused)
alter table dq_gate_runs add column build_id bigint;
alter table dq_gate_runs add column reused_from varchar;
alter table dq_gate_runs add column checks_hash varchar;

-- loads whose pages a gate run has looked at: the next run's batch comes from the other loads only
create table dq_checked_loads (
    load_id varchar primary key,
    run_id varchar not null,
    checked_at timestamptz not null
);

-- per gate run and suite: a fingerprint of what Great Expectations validated (the checks and the
-- values of the suite's frame they read) and the run whose validation the results are: the run
-- itself, or an earlier run with the same fingerprint whose results were reused
create table dq_suite_runs (
    run_id varchar not null,
    suite varchar not null,
    fingerprint varchar not null,
    validated_in varchar not null,
    primary key (run_id, suite)
);
