{#
    Loaded rows dated after the as-of date, per table (docs/conventions.md, "The
    as-of date"). A derived as-of date is the last dated activity, so every count is
    0; an `as_of_date` setting before the end of the data leaves the later rows out
    of every month of the marts, and this report (and its warning test) says how many and from
    when, instead of dropping them without a word. Subscription events count by
    `recorded_at`: an event recorded in time that takes effect later (a scheduled
    cancellation) is not after the as-of date.
#}
with as_of as (

    select as_of_date
    from {{ ref('util_as_of_date') }}

),

subscription_events as (

    select recorded_at from {{ ref('stg_billing__subscription_events') }}

),

invoices as (

    select issued_at from {{ ref('stg_billing__invoices') }}

),

payments as (

    select occurred_at from {{ ref('stg_billing__payments') }}

),

customers as (

    select created_at from {{ ref('stg_billing__customers') }}

),

marketing_spend as (

    select spend_date from {{ ref('stg_billing__marketing_spend') }}

),

dated_rows as (

    select
        'subscription_events' as table_name,
        'recorded_at' as date_column,
        cast(recorded_at as date) as row_date
    from subscription_events
    union all
    select
        'invoices' as table_name,
        'issued_at' as date_column,
        cast(issued_at as date) as row_date
    from invoices
    union all
    select
        'payments' as table_name,
        'occurred_at' as date_column,
        cast(occurred_at as date) as row_date
    from payments
    union all
    select
        'customers' as table_name,
        'created_at' as date_column,
        cast(created_at as date) as row_date
    from customers
    union all
    select
        'marketing_spend' as table_name,
        'spend_date' as date_column,
        spend_date as row_date
    from marketing_spend

),

tables as (

    select
        'subscription_events' as table_name,
        'recorded_at' as date_column
    union all
    select
        'invoices' as table_name,
        'issued_at' as date_column
    union all
    select
        'payments' as table_name,
        'occurred_at' as date_column
    union all
    select
        'customers' as table_name,
        'created_at' as date_column
    union all
    select
        'marketing_spend' as table_name,
        'spend_date' as date_column

),

rows_after as (

    select
        dated_rows.table_name,
        count(*) as rows_after_as_of_date,
        min(dated_rows.row_date) as first_date_after,
        max(dated_rows.row_date) as last_date_after
    from dated_rows
    cross join as_of
    where dated_rows.row_date > as_of.as_of_date
    group by dated_rows.table_name

),

final as (

    select
        tables.table_name,
        tables.date_column,
        cast(coalesce(rows_after.rows_after_as_of_date, 0) as {{ dbt.type_bigint() }}) as rows_after_as_of_date,
        rows_after.first_date_after,
        rows_after.last_date_after
    from tables
    left join rows_after
        on tables.table_name = rows_after.table_name

)

select * from final
