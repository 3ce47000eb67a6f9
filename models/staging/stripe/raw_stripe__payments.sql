{{ config(enabled=stripe_source_enabled()) }}
{#
    raw.payments from Stripe: one row per charge attempt (`charge`) and one per
    refund (`refund`, never charge.amount_refunded, so nothing counts twice).
    The invoice of a charge is its own invoice id, else the invoice_payment row
    that names the charge (accounts on Stripe API 2025-03-31 and later no longer
    link charges to invoices), else the invoice that names the charge; a refund
    takes its charge's invoice. A charge with no invoice at all (a one-off
    payment) stays in with an empty invoice id, so staging rejects it as
    `missing_value` instead of it disappearing. Test-mode charges, and their
    refunds, are left out (counted in rpt_stripe__exclusions).
#}
with charge as (

    {{ stripe_columns('charge', [
        'id', 'invoice_id', 'payment_intent_id', 'amount', 'currency', 'status', 'created',
        'failure_code', 'failure_message', 'outcome_reason', 'livemode', '_fivetran_synced',
    ]) }}

),

refund as (

    {{ stripe_columns('refund', ['id', 'charge_id', 'amount', 'currency', 'status', 'created', 'failure_reason']) }}

),

invoice_payment as (

    {{ stripe_columns('invoice_payment', ['invoice_id', 'charge_id', 'payment_intent_id']) }}

),

invoice as (

    {{ stripe_columns('invoice', ['id', 'charge_id']) }}

),

live_charges as (

    select *
    from charge
    where coalesce({{ stripe_flag('livemode') }}, true)

),

{# One invoice per charge from each fallback link (the smallest id if several). #}
paid_by_invoice_payment as (

    select
        live_charges.id as charge_id,
        min(invoice_payment.invoice_id) as invoice_id
    from live_charges
    inner join invoice_payment
        on
            live_charges.id = invoice_payment.charge_id
            or live_charges.payment_intent_id = invoice_payment.payment_intent_id
    group by live_charges.id

),

named_by_invoice as (

    select
        charge_id,
        min(id) as invoice_id
    from invoice
    where charge_id is not null
    group by charge_id

),

charges_linked as (

    select
        live_charges.*,
        coalesce(
            live_charges.invoice_id, paid_by_invoice_payment.invoice_id, named_by_invoice.invoice_id
        ) as linked_invoice_id
    from live_charges
    left join paid_by_invoice_payment
        on live_charges.id = paid_by_invoice_payment.charge_id
    left join named_by_invoice
        on live_charges.id = named_by_invoice.charge_id

),

payments as (

    select
        id as payment_id,
        linked_invoice_id as invoice_id,
        'charge' as payment_type,
        case lower(status)
            when 'succeeded' then 'succeeded'
            when 'failed' then 'failed'
            else 'pending'
        end as status,
        {{ stripe_money('amount', 'currency') }} as amount,
        upper(currency) as currency,
        created as occurred_at,
        coalesce(failure_code, outcome_reason, failure_message) as failure_reason,
        id as stripe_charge_id,
        _fivetran_synced
    from charges_linked

    union all

    select
        refund.id as payment_id,
        charges_linked.linked_invoice_id as invoice_id,
        'refund' as payment_type,
        case
            when lower(refund.status) = 'succeeded' or refund.status is null then 'succeeded'
            when lower(refund.status) in ('failed', 'canceled') then 'failed'
            else 'pending'
        end as status,
        {{ stripe_money('refund.amount', 'refund.currency') }} as amount,
        upper(refund.currency) as currency,
        refund.created as occurred_at,
        refund.failure_reason,
        refund.charge_id as stripe_charge_id,
        charges_linked._fivetran_synced
    from refund
    left join charge
        on refund.charge_id = charge.id
    left join charges_linked
        on refund.charge_id = charges_linked.id
    {#- A refund of a charge that is not landed stays in (rejected for its empty invoice). #}
    where coalesce({{ stripe_flag('charge.livemode') }}, true)

),

final as (

    select
        payment_id,
        invoice_id,
        payment_type,
        status,
        amount,
        currency,
        occurred_at,
        failure_reason,
        stripe_charge_id,
        {{ stripe_lineage('charge_and_refund', order_by='payment_type, payment_id') }}
    from payments

)

select * from final
