{#
    Past due is not an event: a subscription is past due from a failed charge
    on one of its recurring invoices until the next successful charge on any of
    them (or, with none, until it is cancelled, which the timeline applies).
#}
with invoice_line_items as (

    select
        invoice_id,
        subscription_id
    from {{ ref('stg_billing__invoice_line_items') }}
    where
        line_type = 'recurring'
        and subscription_id is not null

),

payments as (

    select
        invoice_id,
        status,
        occurred_at
    from {{ ref('stg_billing__payments') }}
    where payment_type = 'charge'

),

subscription_invoices as (

    select distinct
        invoice_id,
        subscription_id
    from invoice_line_items

),

subscription_charges as (

    select
        subscription_invoices.subscription_id,
        payments.status,
        payments.occurred_at
    from payments
    inner join subscription_invoices
        on payments.invoice_id = subscription_invoices.invoice_id

),

failures_with_recovery as (

    select
        failures.subscription_id,
        failures.occurred_at as failed_at,
        min(successes.occurred_at) as recovered_at
    from subscription_charges as failures
    left join subscription_charges as successes
        on
            failures.subscription_id = successes.subscription_id
            and successes.status = 'succeeded'
            and failures.occurred_at < successes.occurred_at
    where failures.status = 'failed'
    group by
        failures.subscription_id,
        failures.occurred_at

),

{# Failures recovered by the same charge form one period. #}
final as (

    select
        subscription_id,
        recovered_at as past_due_to,
        min(failed_at) as past_due_from
    from failures_with_recovery
    group by
        subscription_id,
        recovered_at

)

select * from final
