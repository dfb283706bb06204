select
    cast(request_id as varchar) as request_id,
    cast(customer_id as varchar) as customer_id,
    cast(category as varchar) as category,
    cast(region as varchar) as region,
    cast(requested_at as timestamp) as requested_at,
    cast(requested_at as date) as request_date,
    cast(urgency as varchar) as urgency,
    cast(preferred_date as date) as preferred_date,
    cast(budget_eur as double precision) as budget_eur,
    cast(channel as varchar) as channel,
    cast(_loaded_at as timestamp) as loaded_at
from {{ source('raw', 'service_requests') }}
