-- One row per service request with what happened next (analytics, not model features: the
-- quote and hire columns are known only after the request).
with quotes as (
    select
        request_id,
        count(*) as n_quotes,
        min(quoted_at) as first_quoted_at,
        min(price_eur) as min_price_eur
    from {{ ref('stg_quotes') }}
    group by request_id
),

hires as (
    select request_id, min(hired_at) as hired_at, count(*) as n_hires
    from {{ ref('stg_hires') }}
    group by request_id
)

select
    r.request_id,
    r.customer_id,
    r.category,
    r.region,
    r.requested_at,
    r.request_date,
    r.urgency,
    r.preferred_date,
    r.budget_eur,
    r.channel,
    cast(coalesce(q.n_quotes, 0) as integer) as n_quotes,
    q.first_quoted_at,
    cast({{ dbt.datediff('r.requested_at', 'q.first_quoted_at', 'minute') }} as integer) as first_response_minutes,
    q.min_price_eur,
    h.hired_at,
    coalesce(h.n_hires, 0) > 0 as is_hired,
    r.loaded_at
from {{ ref('stg_service_requests') }} as r
left join quotes as q on q.request_id = r.request_id
left join hires as h on h.request_id = r.request_id
