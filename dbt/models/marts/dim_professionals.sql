-- Current state of each professional. Point-in-time values live in int_market_supply_daily's
-- source, the daily snapshot, never here.
select
    professional_id,
    joined_at,
    category,
    region,
    hourly_rate_eur,
    rating,
    response_rate,
    n_reviews,
    is_active,
    updated_at,
    loaded_at
from {{ ref('stg_professionals') }}
