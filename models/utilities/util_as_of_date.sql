{#
    The as-of date: the `as_of_date` setting when given, otherwise the last day
    with recorded activity in the data (never the wall clock), so the same data
    always builds the same marts. Every dated activity row counts (docs/conventions.md,
    "The as-of date"): events recorded, invoices issued, payments made, customers
    signed up and marketing spend, so no loaded row falls after a derived as-of
    date. FX rates are reference prices, not activity, and do not count.
#}
{%- set as_of_setting = setting('as_of_date') -%}

with

{{ as_of_activity_ctes() }}

activity as (

    {%- for source in as_of_activity_sources() %}
    {#- Every dating column as a timestamp: a day's spend counts as that day's activity. #}
    select cast({{ source.column }} as {{ dbt.type_timestamp() }}) as activity_at from {{ source.table }}
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}

),

final as (

    select
        {% if as_of_setting is not none -%}
            cast('{{ as_of_setting }}' as date)
        {%- else -%}
        cast(max(activity_at) as date)
        {%- endif %} as as_of_date,
        {{ dbt.date_trunc('month', 'cast(max(activity_at) as date)') }} as last_activity_month,
        max(activity_at) as last_activity_at
    from activity

)

select
    as_of_date,
    cast({{ dbt.date_trunc('month', 'as_of_date') }} as date) as as_of_month,
    cast(last_activity_month as date) as last_activity_month,
    last_activity_at
from final
