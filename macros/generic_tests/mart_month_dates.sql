{#
    Generic test on a public mart (model level): every month column (a DATE named
    `date_month` or ending in `_month`) holds first days of months; with
    `series: true` (a mart whose grain is `date_month` alone, which check_models
    requires to set it) the months are also contiguous, each row the month after
    the one before. Returns one row per problem.
#}
{% test mart_month_dates(model, series=false) %}
{{ config(meta={'check': 'mart_month_dates'}) }}
{%- set months = [] -%}
{%- for column in adapter.get_columns_in_relation(model) -%}
    {%- set name = column.name | lower -%}
    {%- if (column.data_type | lower).startswith('date') and not (column.data_type | lower).startswith('datetime')
        and (name == 'date_month' or name.endswith('_month')) -%}
        {%- do months.append(column.name) -%}
    {%- endif -%}
{%- endfor %}
{%- if execute and series and 'date_month' not in months %}
    {{ exceptions.raise_compiler_error("mart_month_dates(series=true): " ~ model ~ " has no DATE column date_month") }}
{%- endif %}
{%- set problems = [] %}
{%- for month in months %}
    {%- do problems.append(
        "select '" ~ month ~ "' as column_name, 'is not the first day of a month' as problem, "
        ~ "cast(" ~ adapter.quote(month) ~ " as " ~ dbt.type_string() ~ ") as failing_value from " ~ model
        ~ " where " ~ dbt.date_trunc('month', adapter.quote(month)) ~ " <> " ~ adapter.quote(month)
    ) -%}
{%- endfor %}
{%- if series %}
    {%- do problems.append(
        "select 'date_month' as column_name, 'is not the month after the previous row' as problem, "
        ~ "cast(date_month as " ~ dbt.type_string() ~ ") as failing_value from (select date_month, lag(date_month) over (order by date_month) as previous_month from "
        ~ model ~ ") as series where previous_month is not null and "
        ~ dbt.datediff('previous_month', 'date_month', 'month') ~ " <> 1"
    ) -%}
{%- endif %}
{%- if problems %}
{{ problems | join('\nunion all\n') }}
{%- else %}
select 1 as no_month_column where 1 = 0
{%- endif %}
{% endtest %}
