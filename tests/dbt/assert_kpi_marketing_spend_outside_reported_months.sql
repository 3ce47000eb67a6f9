{{ config(severity='warn') }}
{#
    Warns with the marketing spend that no KPI reports because it is dated
    before the first month of the data or after the as-of date: one row per
    channel and currency with the rows and amount left out.
#}
with marketing_spend as (

    select
        channel,
        currency,
        amount,
        spend_date
    from {{ ref('stg_billing__marketing_spend') }}

),

months as (

    select
        date_month,
        snapshot_date
    from {{ ref('util_months') }}

),

month_range as (

    select
        min(date_month) as first_month,
        max(snapshot_date) as last_snapshot_date
    from months

)

select
    marketing_spend.channel,
    marketing_spend.currency,
    count(*) as spend_rows,
    sum(marketing_spend.amount) as amount
from marketing_spend
cross join month_range
where
    marketing_spend.spend_date < month_range.first_month
    or marketing_spend.spend_date > month_range.last_snapshot_date
group by
    marketing_spend.channel,
    marketing_spend.currency
