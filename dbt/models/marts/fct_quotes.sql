select
    q.quote_id,
    q.request_id,
    q.professional_id,
    q.quoted_at,
    q.price_eur,
    cast({{ dbt.datediff('r.requested_at', 'q.quoted_at', 'minute') }} as integer) as response_minutes,
    cast(row_number() over (partition by q.request_id order by q.quoted_at, q.quote_id) as integer) as arrival_rank,
    q.price_eur / nullif(r.budget_eur, 0) as price_to_budget,
    h.hire_id is not null as is_hired,
    q.loaded_at
from {{ ref('stg_quotes') }} as q
left join {{ ref('stg_service_requests') }} as r on r.request_id = q.request_id
left join {{ ref('stg_hires') }} as h on h.quote_id = q.quote_id
