-- Quotes activity per market (category x region) and day: requests posted, quotes received and
-- their total price that day. The feature table sums a trailing window of days strictly before
-- a request's day, so nothing from the request's own day or later is used.
with requests as (
    select request_id, category, region, request_date from {{ ref('stg_service_requests') }}
),

requests_daily as (
    select category, region, request_date as stat_date, cast(count(*) as integer) as n_requests
    from requests
    group by category, region, request_date
),

quotes_daily as (
    select r.category, r.region, cast(q.quoted_at as date) as stat_date,
           cast(count(*) as integer) as n_quotes, sum(q.price_eur) as sum_price_eur
    from {{ ref('stg_quotes') }} as q
    inner join requests as r on r.request_id = q.request_id
    group by r.category, r.region, cast(q.quoted_at as date)
)

select
    coalesce(r.category, q.category) as category,
    coalesce(r.region, q.region) as region,
    coalesce(r.stat_date, q.stat_date) as stat_date,
    coalesce(r.n_requests, 0) as n_requests,
    coalesce(q.n_quotes, 0) as n_quotes,
    coalesce(q.sum_price_eur, 0) as sum_price_eur
from requests_daily as r
full outer join quotes_daily as q
    on q.category = r.category and q.region = r.region and q.stat_date = r.stat_date
