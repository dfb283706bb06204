select
    cast(customer_id as varchar) as customer_id,
    cast(signup_at as timestamp) as signup_at,
    cast(region as varchar) as home_region,
    cast(segment as varchar) as segment,
    cast(acquisition_channel as varchar) as acquisition_channel,
    cast(marketing_opt_in as boolean) as marketing_opt_in,
    cast(total_requests as integer) as total_requests,
    cast(total_hires as integer) as total_hires,
    cast(updated_at as timestamp) as updated_at,
    cast(_loaded_at as timestamp) as loaded_at
from {{ source('raw', 'customers') }}
