{#
    Custom schemas are used as-is (`staging`, `marts`, ...) instead of dbt's
    default `<target_schema>_<custom>`, so BI tools read `marts.fct_mrr_monthly`.
#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema | trim }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
