-- Current state of each customer, as the upstream last landed it.
select
    customer_id,
    signup_at,
    home_region,
    segment,
    acquisition_channel,
    marketing_opt_in,
    total_requests,
    total_hires,
    updated_at,
    loaded_at
from {{ ref('stg_customers') }}
