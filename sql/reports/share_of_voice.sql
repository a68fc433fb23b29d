-- Share of voice within one competitor set: each member's articles as a share of the set's articles.
-- An article naming two members counts for both; occurrences are the secondary column.
-- Parameters: $date_from, $date_to, and $members, the set's member names (a list).
-- @column entity: member of the competitor set
-- @column articles: distinct articles mentioning it in the period
-- @column share_pct: its share of the set's article count, in percent (1 decimal); null when the set has none
-- @column mentions: its occurrences in the period (every match)
-- @column mention_share_pct: its share of the set's occurrences, in percent (1 decimal)
with

params as (
    select
        cast($date_from as date) as date_from,
        cast($date_to as date) as date_to,
        cast($members as varchar[]) as members,
),

set_members as (
    select unnest(params.members) as entity,
    from params
),

-- an article has one day, so a member's articles in the period are the sum of its articles per day
member_counts as (
    select
        daily_entity_mentions.entity,
        cast(sum(daily_entity_mentions.articles) as bigint) as articles,
        cast(sum(daily_entity_mentions.mentions) as bigint) as mentions,
    from daily_entity_mentions
    inner join params
        on
            daily_entity_mentions.day between params.date_from and params.date_to
            and list_contains(params.members, daily_entity_mentions.entity)
    group by daily_entity_mentions.entity
),

members_counted as (
    select
        set_members.entity,
        coalesce(member_counts.articles, 0) as articles,
        coalesce(member_counts.mentions, 0) as mentions,
    from set_members
    left join member_counts on set_members.entity = member_counts.entity
),

-- the set's totals as one row (not `sum() over ()`: DuckDB 1.5.5's window operator failed once in
-- a benchmark run with "INTERNAL Error: Attempted to access index 1 within vector of size 1")
set_totals as (
    select
        sum(members_counted.articles) as articles,
        sum(members_counted.mentions) as mentions,
    from members_counted
),

final as (
    select
        members_counted.entity,
        members_counted.articles,
        round(100.0 * members_counted.articles / nullif(set_totals.articles, 0), 1) as share_pct,
        members_counted.mentions,
        round(100.0 * members_counted.mentions / nullif(set_totals.mentions, 0), 1) as mention_share_pct,
    from members_counted
    cross join set_totals
)

select * from final
order by articles desc, mentions desc, entity
