select
    h.hire_id,
    h.request_id,
    h.quote_id,
    h.professional_id,
    r.customer_id,
    r.category,
    r.region,
    r.requested_at,
    h.hired_at,
    cast({{ dbt.datediff('r.requested_at', 'h.hired_at', 'minute') }} as double precision) / 60 as hours_to_hire,
    h.agreed_price_eur,
    h.loaded_at
from {{ ref('stg_hires') }} as h
left join {{ ref('stg_service_requests') }} as r on r.request_id = h.request_id
