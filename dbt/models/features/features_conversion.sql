-- One row per service request: its features as known at request time, and the label.
--
-- No leakage: besides the request's own attributes and the customer's immutable ones (signup,
-- segment, acquisition channel), features only use data of days *before* the request's day,
-- which the previous night's load had landed: the customer's earlier requests and hires, the
-- market supply snapshot of the previous day, and the market's quotes of the previous 7 days. Nothing timestamped at or after the request is read,
-- except by the label.
--
-- Label: `converted` = a hire within {{ var('label_window_days') }} days of the request. It is only
-- known once the window has closed in the loaded data (`label_available`: window end <= the
-- latest hires load); before that `converted` is NULL. Train on label_available rows, score the
-- others.
{% set window = var('label_window_days') %}

with requests as (
    select * from {{ ref('stg_service_requests') }}
),

customers as (
    select customer_id, signup_at, segment, acquisition_channel
    from {{ ref('stg_customers') }}
),

hires as (
    select * from {{ ref('stg_hires') }}
),

customer_days as (
    select customer_id, request_date, count(*) as n_requests
    from requests
    group by customer_id, request_date
),

customer_history as (
    select
        customer_id,
        request_date,
        coalesce(sum(n_requests) over (
            partition by customer_id order by request_date
            rows between unbounded preceding and 1 preceding
        ), 0) as prior_requests,
        lag(request_date) over (partition by customer_id order by request_date) as previous_request_date
    from customer_days
),

hire_days as (
    select r.customer_id, cast(h.hired_at as date) as hire_date, count(*) as n_hires
    from hires as h
    inner join requests as r on r.request_id = h.request_id
    group by r.customer_id, cast(h.hired_at as date)
),

customer_prior_hires as (
    select cd.customer_id, cd.request_date, coalesce(sum(hd.n_hires), 0) as prior_hires
    from customer_days as cd
    left join hire_days as hd
        on hd.customer_id = cd.customer_id and hd.hire_date < cd.request_date
    group by cd.customer_id, cd.request_date
),

labels as (
    select r.request_id, count(h.hire_id) > 0 as hired_in_window
    from requests as r
    left join hires as h
        on h.request_id = r.request_id
        and h.hired_at >= r.requested_at
        and h.hired_at < {{ dbt.dateadd('day', window, 'r.requested_at') }}
    group by r.request_id
),

label_horizon as (
    select max(loaded_at) as labels_known_until from hires
),

supply as (
    select * from {{ ref('int_market_supply_daily') }}
),

market_quotes as (
    -- the market's quoting activity over the 7 days before the request's day
    select
        r.request_id,
        sum(m.n_requests) as requests_7d,
        sum(m.n_quotes) as quotes_7d,
        sum(m.sum_price_eur) as quote_value_7d
    from requests as r
    inner join {{ ref('int_market_quotes_daily') }} as m
        on m.category = r.category
        and m.region = r.region
        and m.stat_date < r.request_date
        and m.stat_date >= cast({{ dbt.dateadd('day', -7, 'r.request_date') }} as date)
    group by r.request_id
),

features as (
    select
        r.request_id,
        r.customer_id,
        r.requested_at,
        r.request_date,
        r.category,
        r.region,
        r.urgency,
        r.channel,
        r.budget_eur,
        r.preferred_date is not null as has_preferred_date,
        cast(extract(hour from r.requested_at) as integer) as requested_hour,
        cast(extract(dow from r.requested_at) as integer) as requested_dow,
        c.segment as customer_segment,
        c.acquisition_channel as customer_acquisition_channel,
        cast({{ dbt.datediff('c.signup_at', 'r.requested_at', 'day') }} as integer) as customer_tenure_days,
        cast(coalesce(ch.prior_requests, 0) as integer) as customer_prior_requests,
        cast(coalesce(cph.prior_hires, 0) as integer) as customer_prior_hires,
        cast({{ dbt.datediff('ch.previous_request_date', 'r.request_date', 'day') }} as integer) as customer_days_since_prev_request,
        s.stat_date as supply_snapshot_date,
        cast(coalesce(s.active_pros, 0) as integer) as market_active_pros,
        s.avg_rating as market_avg_rating,
        s.max_rating as market_max_rating,
        s.avg_response_rate as market_avg_response_rate,
        s.avg_hourly_rate_eur as market_avg_hourly_rate_eur,
        r.budget_eur / nullif(s.avg_hourly_rate_eur, 0) as budget_hours_at_market_rate,
        cast(mq.quotes_7d as double precision) / nullif(mq.requests_7d, 0) as market_quotes_per_request_7d,
        cast(mq.quote_value_7d as double precision) / nullif(mq.quotes_7d, 0) as market_avg_quote_price_7d,
        {{ dbt.dateadd('day', window, 'r.requested_at') }} as label_window_ends_at,
        l.hired_in_window,
        lh.labels_known_until
    from requests as r
    left join customers as c on c.customer_id = r.customer_id
    left join customer_history as ch
        on ch.customer_id = r.customer_id and ch.request_date = r.request_date
    left join customer_prior_hires as cph
        on cph.customer_id = r.customer_id and cph.request_date = r.request_date
    left join supply as s
        on s.category = r.category
        and s.region = r.region
        and s.stat_date = cast({{ dbt.dateadd('day', -1, 'r.request_date') }} as date)
    left join market_quotes as mq on mq.request_id = r.request_id
    left join labels as l on l.request_id = r.request_id
    cross join label_horizon as lh
)

select
    request_id,
    customer_id,
    requested_at,
    request_date,
    category,
    region,
    urgency,
    channel,
    budget_eur,
    has_preferred_date,
    requested_hour,
    requested_dow,
    customer_segment,
    customer_acquisition_channel,
    customer_tenure_days,
    customer_prior_requests,
    customer_prior_hires,
    customer_days_since_prev_request,
    supply_snapshot_date,
    market_active_pros,
    market_avg_rating,
    market_max_rating,
    market_avg_response_rate,
    market_avg_hourly_rate_eur,
    budget_hours_at_market_rate,
    market_quotes_per_request_7d,
    market_avg_quote_price_7d,
    cast(label_window_ends_at as timestamp) as label_window_ends_at,
    coalesce(label_window_ends_at <= labels_known_until, false) as label_available,
    case when label_window_ends_at <= labels_known_until then hired_in_window end as converted
from features
