-- Every check of the latest $runs quality-gate runs, newest run first and failures first within it:
-- the project's own data-quality page (self-contained, works offline).
-- @column run_id: the gate run
-- @column checked_at: when the run checked (UTC)
-- @column suite: expectation suite
-- @column expectation: the expectation checked
-- @column severity: critical (blocks the pipeline) or warning (reported)
-- @column success: true when the expectation held
-- @column observed_value: what the check observed
with

runs as (
    select
        dq_results.run_id,
        max(dq_results.checked_at) as run_at,
    from dq_results
    group by dq_results.run_id
    order by run_at desc, dq_results.run_id desc
    limit $runs
),

final as (
    select
        dq_results.run_id,
        runs.run_at as checked_at,
        dq_results.suite,
        dq_results.expectation,
        dq_results.severity,
        dq_results.success,
        dq_results.observed_value,
    from dq_results
    inner join runs on dq_results.run_id = runs.run_id
)

select * from final
order by checked_at desc, run_id desc, success, severity, suite, expectation
