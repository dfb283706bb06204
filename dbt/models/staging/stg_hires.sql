select
    cast(hire_id as varchar) as hire_id,
    cast(request_id as varchar) as request_id,
    cast(quote_id as varchar) as quote_id,
    cast(professional_id as varchar) as professional_id,
    cast(hired_at as timestamp) as hired_at,
    cast(agreed_price_eur as double precision) as agreed_price_eur,
    cast(_loaded_at as timestamp) as loaded_at
from {{ source('raw', 'hires') }}
