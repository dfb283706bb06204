-- Supply of each market (category x region) at the end of each day, from the upstream's daily
-- snapshot of professionals: this is where the daily-updated rating and response_rate enter
-- the features, point-in-time. Category and region are immutable attributes of a professional.
select
    s.stat_date,
    p.category,
    p.region,
    cast(count(*) as integer) as listed_pros,
    cast(sum(case when s.is_active then 1 else 0 end) as integer) as active_pros,
    avg(case when s.is_active then s.rating end) as avg_rating,
    max(case when s.is_active then s.rating end) as max_rating,
    avg(case when s.is_active then s.response_rate end) as avg_response_rate,
    avg(case when s.is_active then s.hourly_rate_eur end) as avg_hourly_rate_eur
from {{ ref('stg_professional_daily_stats') }} as s
inner join {{ ref('stg_professionals') }} as p on p.professional_id = s.professional_id
group by s.stat_date, p.category, p.region
