{#
    The settings a reader needs to read the marts right, recorded in the warehouse
    itself: a dashboard or BI tool shows the currency and the as-of date of the
    build it reads, not the defaults of whatever project checkout it runs from.
#}
with as_of_dates as (

    select
        as_of_date,
        as_of_month
    from {{ ref('util_as_of_date') }}

),

final as (

    select
        cast('{{ setting("reporting_currency") }}' as {{ dbt.type_string() }}) as reporting_currency,
        as_of_date,
        as_of_month
    from as_of_dates

)

select * from final
