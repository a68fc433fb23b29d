-- Full-text search over article titles and bodies, best match first (Okapi BM25, k1 = 1.2, b = 0.75):
-- article_id, title, source, published_at, score and a snippet of the body around the first query
-- term. At most `max_results` rows (default 100). Example: select * from search_articles('Xiaomi BAIC')
create or replace macro search_articles(query, max_results := 100) as table
with

query_terms as (
    select distinct unnest(search_tokens(query)) as term
),

corpus as (
    select
        count(*) as docs,
        coalesce(avg(search_docs.doc_length), 1) as avg_length,
    from search_docs
),

hits as materialized (
    select
        postings.term,
        postings.article_id,
        postings.tf,
        postings.doc_length,
    from search_postings as postings
    where postings.term = any(search_tokens(query))
),

term_frequency as (
    select
        hits.term,
        count(*) as df,
    from hits
    group by hits.term
),

-- each query term's share of the score, computed once per term, not once per hit:
-- idf * (k1 + 1) * tf / (tf + k1 * (1 - b) + k1 * b * doc_length / avg_length)
term_weights as (
    select
        term_frequency.term,
        ln(1 + (corpus.docs - term_frequency.df + 0.5) / (term_frequency.df + 0.5)) * 2.2 as weight,
        1.2 * 0.75 / corpus.avg_length as length_factor,
    from term_frequency
    cross join corpus
),

scored as (
    select
        hits.article_id,
        sum(
            term_weights.weight * hits.tf
            / (hits.tf + 0.3 + term_weights.length_factor * hits.doc_length)
        ) as score,
    from hits
    inner join term_weights on hits.term = term_weights.term
    group by hits.article_id
    order by score desc, hits.article_id
    limit max_results
),

located as (
    select
        scored.article_id,
        scored.score,
        articles.title,
        articles.source,
        articles.published_at,
        articles.body,
        coalesce(
            list_min(
                list_transform(
                    (select list(query_terms.term) from query_terms),
                    term -> nullif(strpos(lower(articles.body), term), 0)
                )
            ),
            1
        ) as first_hit,
    from scored
    inner join articles on scored.article_id = articles.article_id
),

final as (
    select
        located.article_id,
        located.title,
        located.source,
        located.published_at,
        round(located.score, 4) as score,
        concat(
            if(located.first_hit > 80, '…', ''),
            trim(regexp_replace(substr(located.body, greatest(1, located.first_hit - 80), 240), '\s+', ' ', 'g')),
            if(length(located.body) > located.first_hit + 160, '…', '')
        ) as snippet,
    from located
    order by located.score desc, located.article_id
)

select * from final
