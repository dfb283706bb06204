select
    cast(quote_id as varchar) as quote_id,
    cast(request_id as varchar) as request_id,
    cast(professional_id as varchar) as professional_id,
    cast(quoted_at as timestamp) as quoted_at,
    cast(price_eur as double precision) as price_eur,
    cast(_loaded_at as timestamp) as loaded_at
from {{ ref('quotes__valid') }}  -- the quarantine policy's clean rows (contracts/sources/quotes.odcs.yaml)
