{#
  `dbt source freshness` on lockgate's one clock (lockgate/clock.py): LOCKGATE_TODAY pins "now" to
  that date's 00:00 UTC, as for the contract tests (lockgate.utc_now) and lockgate's own checks;
  unset, the real UTC time. dbt-core's default__collect_freshness with that one change.
#}
{% macro default__collect_freshness(source, loaded_at_field, filter) %}
  {% call statement('collect_freshness', fetch_result=True, auto_begin=False) -%}
    select
      max({{ loaded_at_field }}) as max_loaded_at,
      {{ lockgate.utc_now() }} as snapshotted_at
    from {{ source }}
    {% if filter %}
    where {{ filter }}
    {% endif %}
  {% endcall %}
  {{ return(load_result('collect_freshness')) }}
{% endmacro %}
