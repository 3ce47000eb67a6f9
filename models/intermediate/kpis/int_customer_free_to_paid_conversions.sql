{#
    One row per customer whose first plan was free (docs/conventions.md,
    free-to-paid rate): the plan of the customer's first live subscription state
    (trial, active, past due or paused), on or before the as-of date, has a list
    unit price of 0. When several states start at that first instant, the first
    plan is free only if all of them are on free plans. Converted when the
    customer later has a paying state (active or past due, MRR > 0) on any
    subscription by the as-of date; days to convert are calendar days (UTC)
    from the start of the free plan to that instant.
#}
with customers as (

    select
        customer_id,
        created_at
    from {{ ref('stg_billing__customers') }}

),

subscription_states as (

    select
        customer_id,
        status,
        list_unit_price,
        mrr_local,
        valid_from
    from {{ ref('int_subscription_states_valued') }}
    where status <> 'cancelled'

),

as_of_month as (

    select snapshot_at
    from {{ ref('util_months') }}
    where is_as_of_month

),

states_until_as_of as (

    select
        subscription_states.customer_id,
        subscription_states.status,
        subscription_states.list_unit_price,
        subscription_states.mrr_local,
        subscription_states.valid_from
    from subscription_states
    cross join as_of_month
    where subscription_states.valid_from < as_of_month.snapshot_at

),

first_live_instants as (

    select
        customer_id,
        min(valid_from) as first_live_at
    from states_until_as_of
    group by customer_id

),

free_first_customers as (

    select
        first_live_instants.customer_id,
        first_live_instants.first_live_at as free_started_at
    from first_live_instants
    inner join states_until_as_of
        on
            first_live_instants.customer_id = states_until_as_of.customer_id
            and first_live_instants.first_live_at = states_until_as_of.valid_from
    group by
        first_live_instants.customer_id,
        first_live_instants.first_live_at
    having min(case when states_until_as_of.list_unit_price = 0 then 1 else 0 end) = 1

),

first_paying_instants as (

    select
        customer_id,
        min(valid_from) as converted_at
    from states_until_as_of
    where
        status in ('active', 'past_due')
        and mrr_local > 0
    group by customer_id

),

final as (

    select
        free_first_customers.customer_id,
        case
            when first_paying_instants.converted_at is not null
                then cast({{ dbt.datediff(
                    'cast(free_first_customers.free_started_at as date)',
                    'cast(first_paying_instants.converted_at as date)',
                    'day',
                ) }} as {{ dbt.type_int() }})
        end as days_to_convert,
        first_paying_instants.converted_at is not null as is_converted,
        cast({{ dbt.date_trunc('month', 'customers.created_at') }} as date) as signup_month,
        customers.created_at as signed_up_at,
        free_first_customers.free_started_at,
        first_paying_instants.converted_at
    from free_first_customers
    inner join customers
        on free_first_customers.customer_id = customers.customer_id
    left join first_paying_instants
        on free_first_customers.customer_id = first_paying_instants.customer_id

)

select * from final
