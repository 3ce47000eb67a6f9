with customers as (

    select
        customer_id,
        customer_name,
        email,
        country_code,
        acquisition_channel,
        created_at
    from {{ ref('stg_billing__customers') }}

),

customer_months as (

    select
        customer_id,
        mrr,
        has_trial,
        has_paused,
        has_free,
        date_month
    from {{ ref('int_customer_mrr_monthly') }}

),

as_of as (

    select as_of_month
    from {{ ref('util_as_of_date') }}

),

first_paid_months as (

    select
        customer_id,
        min(date_month) as first_paid_month
    from customer_months
    where mrr > 0
    group by customer_id

),

as_of_states as (

    select
        customer_months.customer_id,
        customer_months.mrr,
        customer_months.has_trial,
        customer_months.has_paused,
        customer_months.has_free
    from customer_months
    inner join as_of
        on customer_months.date_month = as_of.as_of_month

),

final as (

    select
        customers.customer_id,
        {{ keyed_hash('customers.customer_name') }} as customer_name_hash,
        {{ keyed_hash('customers.email') }} as email_hash,
        customers.country_code,
        customers.acquisition_channel,
        case
            when as_of_states.mrr > 0 then 'paying'
            when as_of_states.has_paused then 'paused'
            when as_of_states.has_trial then 'trial'
            when as_of_states.has_free then 'free'
            when first_paid_months.first_paid_month is not null then 'churned'
            else 'lead'
        end as current_status,
        cast(coalesce(as_of_states.mrr, 0) as {{ type_money() }}) as current_mrr,
        coalesce(as_of_states.mrr > 0, false) as is_paying,
        first_paid_months.first_paid_month,
        customers.created_at
    from customers
    left join first_paid_months
        on customers.customer_id = first_paid_months.customer_id
    left join as_of_states
        on customers.customer_id = as_of_states.customer_id

)

select * from final
