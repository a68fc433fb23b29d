-- Results of the latest quality-gate run (the run with the newest check), failures first.
-- @column run_id: the gate run
-- @column suite: expectation suite
-- @column expectation: the expectation checked
-- @column severity: critical (blocks the pipeline) or warning (reported)
-- @column success: true when the expectation held
-- @column observed_value: what the check observed
-- @column checked_at: when it was checked (UTC)
with

latest_run as (
    select dq_results.run_id,
    from dq_results
    order by dq_results.checked_at desc, dq_results.run_id desc
    limit 1
),

final as (
    select
        dq_results.run_id,
        dq_results.suite,
        dq_results.expectation,
        dq_results.severity,
        dq_results.success,
        dq_results.observed_value,
        dq_results.checked_at,
    from dq_results
    inner join latest_run on dq_results.run_id = latest_run.run_id
)

select * from final
order by success, severity, suite, expectation
