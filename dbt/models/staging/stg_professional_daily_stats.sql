select
    cast(stat_date as date) as stat_date,
    cast(professional_id as varchar) as professional_id,
    cast(is_active as boolean) as is_active,
    cast(rating as double precision) as rating,
    cast(response_rate as double precision) as response_rate,
    cast(hourly_rate_eur as double precision) as hourly_rate_eur,
    cast(n_reviews as integer) as n_reviews,
    cast(_loaded_at as timestamp) as loaded_at
from {{ source('raw', 'professional_daily_stats') }}
