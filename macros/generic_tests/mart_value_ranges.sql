{#
    Generic test on a public mart (model level): every numeric column lies in the
    range its name implies (macros/quality/mart_value_rules.sql): rates and shares
    in 0-1, MRR and money not negative, churn movements not positive, and so on.
    Returns one row per failing value: the column, the rule and the value (as
    text). NULLs pass: not_null constraints own them.
#}
{% test mart_value_ranges(model) %}
{{ config(meta={'check': 'mart_value_ranges'}) }}
{%- set checks = [] -%}
{%- for column in adapter.get_columns_in_relation(model) -%}
    {%- set rule = mart_value_rule(column.name, column.data_type) -%}
    {%- if rule is not none -%}
        {%- set conditions = [] -%}
        {%- if 'min' in rule -%}
            {%- do conditions.append(adapter.quote(column.name) ~ (' <= ' if rule.get('strict_min') else ' < ') ~ rule['min']) -%}
        {%- endif -%}
        {%- if 'max' in rule -%}
            {%- do conditions.append(adapter.quote(column.name) ~ ' > ' ~ rule['max']) -%}
        {%- endif -%}
        {%- do checks.append({'column': column.name, 'what': rule['what'], 'fails': conditions | join(' or ')}) -%}
    {%- endif -%}
{%- endfor %}
{%- if checks %}
{%- for check in checks %}
select
    '{{ check.column }}' as column_name,
    '{{ check.what }}' as rule,
    cast({{ adapter.quote(check.column) }} as {{ dbt.type_string() }}) as failing_value
from {{ model }}
where {{ check.fails }}
{%- if not loop.last %}
union all
{%- endif %}
{%- endfor %}
{%- else %}
select 1 as no_numeric_column where 1 = 0
{%- endif %}
{% endtest %}
