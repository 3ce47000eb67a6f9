{#
    The dated activity rows the as-of date is read from (docs/conventions.md, "The
    as-of date"), one place for util_as_of_date (their latest date) and
    util_rows_after_as_of_date (the rows after a set date): per table, the staged
    model and the column that dates a row. Events count when recorded; a day's
    marketing spend counts as that day. FX rates are reference prices, not
    activity, and are not listed.
#}
{% macro as_of_activity_sources() -%}
    {{ return([
        {'table': 'subscription_events', 'model': 'stg_billing__subscription_events', 'column': 'recorded_at'},
        {'table': 'invoices', 'model': 'stg_billing__invoices', 'column': 'issued_at'},
        {'table': 'payments', 'model': 'stg_billing__payments', 'column': 'occurred_at'},
        {'table': 'customers', 'model': 'stg_billing__customers', 'column': 'created_at'},
        {'table': 'marketing_spend', 'model': 'stg_billing__marketing_spend', 'column': 'spend_date'},
    ]) }}
{%- endmacro %}

{#
    One CTE per dated source (named after its table) with its dating column, for
    the models above: `<table> as (select <column> from ref(<model>)),` each.
#}
{% macro as_of_activity_ctes() -%}
    {%- for source in as_of_activity_sources() %}
{{ source.table }} as (

    select {{ source.column }} from {{ ref(source.model) }}

),
    {% endfor -%}
{%- endmacro %}
