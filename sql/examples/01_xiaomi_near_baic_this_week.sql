-- How often was Xiaomi mentioned next to BAIC in the last 7 days, by which outlets, and in what
-- tone? One row per outlet from co_mentions: articles naming both, how many of them in the same
-- sentence, their mentions, and the tone of the shared sentences and of the articles.
with

pair as (
    select co_mentions.*
    from co_mentions
    where
        co_mentions.entity_a = 'BAIC'
        and co_mentions.entity_b = 'Xiaomi'
        and co_mentions.day >= (select max(latest.day) from articles as latest) - interval 7 day
),

final as (
    select
        pair.source,
        count(*) as articles,
        count(*) filter (where pair.same_sentence) as same_sentence_articles,
        sum(pair.mentions_a) as baic_mentions,
        sum(pair.mentions_b) as xiaomi_mentions,
        round(avg(pair.shared_sentiment), 3) as shared_sentence_tone,
        round(avg(pair.article_sentiment), 3) as article_tone,
    from pair
    group by pair.source
    order by articles desc, pair.source
)

select * from final
