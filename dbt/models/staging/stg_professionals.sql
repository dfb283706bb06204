select
    cast(professional_id as varchar) as professional_id,
    cast(joined_at as timestamp) as joined_at,
    cast(primary_category as varchar) as category,
    cast(region as varchar) as region,
    cast(hourly_rate_eur as double precision) as hourly_rate_eur,
    cast(rating as double precision) as rating,
    cast(response_rate as double precision) as response_rate,
    cast(n_reviews as integer) as n_reviews,
    cast(is_active as boolean) as is_active,
    cast(updated_at as timestamp) as updated_at,
    cast(_loaded_at as timestamp) as loaded_at
from {{ source('raw', 'professionals') }}
