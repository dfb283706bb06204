{#
  Generic tests generated from lockgate contracts. Each returns the rows that break the rule, so
  dbt's failure count is lockgate's failed-row count. Conditions arrive as SQL that lockgate
  renders for both DuckDB and PostgreSQL; only regular expressions, time arithmetic and "now"
  differ per adapter and are dispatched below.
#}

{% test lockgate_rows_where(model, condition) %}
select * from {{ model }} where {{ condition }}
{% endtest %}

{% test lockgate_share_where(model, condition, max_percent, strict=false) %}
{# one row when the share of rows matching `condition` exceeds the budget #}
with counts as (
    select count(*) as total, count(*) filter (where {{ condition }}) as failing from {{ model }}
)
select failing, total from counts
where total > 0 and 100.0 * failing / total {{ '>=' if strict else '>' }} {{ max_percent }}
{% endtest %}

{% test lockgate_duplicate_keys(model, columns, nan_columns=[]) %}
{# keys with a NULL part are no key; nor, in floating-point columns, with a NaN part #}
select {{ columns | join(', ') }}, count(*) as duplicate_count
from {{ model }}
where {% for c in columns %}{{ c }} is not null{% if not loop.last %} and {% endif %}{% endfor %}
{%- for c in nan_columns %} and {{ c }} <> cast('NaN' as double precision){% endfor %}
group by {{ columns | join(', ') }}
having count(*) > 1
{% endtest %}

{% test lockgate_row_count(model, operator, value) %}
{# one row when count(*) breaks the contract's operator #}
with counts as (select count(*) as row_count from {{ model }})
select row_count from counts where not (
    {%- if operator == 'mustBe' %} row_count = {{ value }}
    {%- elif operator == 'mustNotBe' %} row_count <> {{ value }}
    {%- elif operator == 'mustBeGreaterThan' %} row_count > {{ value }}
    {%- elif operator == 'mustBeGreaterOrEqualTo' %} row_count >= {{ value }}
    {%- elif operator == 'mustBeLessThan' %} row_count < {{ value }}
    {%- elif operator == 'mustBeLessOrEqualTo' %} row_count <= {{ value }}
    {%- elif operator == 'mustBeBetween' %} row_count between {{ value[0] }} and {{ value[1] }}
    {%- elif operator == 'mustNotBeBetween' %} row_count not between {{ value[0] }} and {{ value[1] }}
    {%- else %} {{ exceptions.raise_compiler_error("lockgate_row_count: unknown operator " ~ operator) }}
    {%- endif %})
{% endtest %}

{% test lockgate_pattern(model, column_name, pattern) %}
select * from {{ model }}
where {{ column_name }} is not null and not {{ lockgate.regex_matches(column_name, pattern) }}
{% endtest %}

{% test lockgate_freshness(model, column_name, max_age_seconds, max_future_seconds=none) %}
{# one row when the newest value is older than the SLA (or the table is empty), or further in
   the future than the tolerance (a time-zone bug, a placeholder such as 9999-12-31) #}
with latest as (select max({{ column_name }}) as latest from {{ model }})
select latest from latest
where latest is null or {{ lockgate.seconds_between('latest', lockgate.utc_now()) }} > {{ max_age_seconds }}
{%- if max_future_seconds is not none %}
   or {{ lockgate.seconds_between(lockgate.utc_now(), 'latest') }} > {{ max_future_seconds }}
{%- endif %}
{% endtest %}

{% macro regex_matches(column, pattern) %}{{ return(adapter.dispatch('regex_matches', 'lockgate')(column, pattern)) }}{% endmacro %}
{% macro default__regex_matches(column, pattern) %}regexp_matches(cast({{ column }} as varchar), '{{ pattern | replace("'", "''") }}'){% endmacro %}
{% macro postgres__regex_matches(column, pattern) %}(cast({{ column }} as text) ~ '{{ pattern | replace("'", "''") }}'){% endmacro %}

{# "now" is lockgate's one clock (lockgate/clock.py): LOCKGATE_TODAY=YYYY-MM-DD pins it to that
   date's 00:00 UTC, so dbt's freshness tests agree with lockgate's checks; unset, the real time #}
{% macro utc_now() %}
  {%- set today = env_var('LOCKGATE_TODAY', '') | trim -%}
  {%- if not today -%}{{ return(adapter.dispatch('utc_now', 'lockgate')()) }}{%- endif -%}
  {%- if not modules.re.fullmatch('[0-9]{4}-[0-9]{2}-[0-9]{2}', today) -%}
    {{ exceptions.raise_compiler_error("LOCKGATE_TODAY=" ~ today ~ " is not an ISO date (YYYY-MM-DD)") }}
  {%- endif -%}
  {{ return("cast('" ~ today ~ " 00:00:00' as timestamp)") }}
{% endmacro %}
{% macro default__utc_now() %}(current_timestamp at time zone 'UTC'){% endmacro %}

{% macro seconds_between(start, end) %}{{ return(adapter.dispatch('seconds_between', 'lockgate')(start, end)) }}{% endmacro %}
{% macro default__seconds_between(start, end) %}(epoch(cast({{ end }} as timestamp)) - epoch(cast({{ start }} as timestamp))){% endmacro %}
{% macro postgres__seconds_between(start, end) %}(extract(epoch from cast({{ end }} as timestamp)) - extract(epoch from cast({{ start }} as timestamp))){% endmacro %}
