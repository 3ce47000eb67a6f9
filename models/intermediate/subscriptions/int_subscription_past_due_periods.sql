{#
    Past due is not an event: a subscription is past due from a failed charge
    on one of its recurring invoices until the next successful charge on any of
    them (or, with none, until it is cancelled, which the timeline applies).
    Only subscriptions with a failed charge are looked at closely.
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

failed_invoices as (

    select distinct invoice_id
    from payments
    where status = 'failed'

),

failing_subscriptions as (

    select distinct subscription_invoices.subscription_id
    from subscription_invoices
    inner join failed_invoices
        on subscription_invoices.invoice_id = failed_invoices.invoice_id

),

failing_subscription_invoices as (

    select
        subscription_invoices.invoice_id,
        subscription_invoices.subscription_id
    from subscription_invoices
    inner join failing_subscriptions
        on subscription_invoices.subscription_id = failing_subscriptions.subscription_id

),

subscription_charges as (

    select
        failing_subscription_invoices.subscription_id,
        payments.status,
        payments.occurred_at
    from payments
    inner join failing_subscription_invoices
        on payments.invoice_id = failing_subscription_invoices.invoice_id

),

{# For each charge, the first successful charge strictly after it: at one
   instant successes sort before failures, so the frame after a failure holds
   only later successes. #}
charges_with_next_success as (

    select
        subscription_id,
        status,
        occurred_at,
        min(case when status = 'succeeded' then occurred_at end) over (
            partition by subscription_id
            order by occurred_at asc, status desc
            rows between 1 following and unbounded following
        ) as next_success_at
    from subscription_charges

),

failures_with_recovery as (

    select
        subscription_id,
        occurred_at as failed_at,
        next_success_at as recovered_at
    from charges_with_next_success
    where status = 'failed'

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

select
    subscription_id,
    past_due_from,
    past_due_to
from final
