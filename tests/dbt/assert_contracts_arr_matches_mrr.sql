{#
    The renewal mart and the MRR engine agree: a pending term of a subscription
    that is active at the as-of date, without discounts and with the quantity it
    ends on, has a contract ARR of 12 x the subscription's MRR (both converted at
    the as-of month's rate), up to the rounding of MRR to cents (12 x 0.005).
    Returns the terms where they differ.
#}
with contract_renewals as (

    select
        subscription_id,
        term_number,
        quantity_before,
        arr_before
    from {{ ref('fct_contract_renewals') }}
    where outcome = 'pending'

),

subscriptions as (

    select
        subscription_id,
        status,
        quantity,
        discount_percent,
        discount_amount,
        mrr
    from {{ ref('fct_subscriptions') }}

)

select
    contract_renewals.subscription_id,
    contract_renewals.term_number,
    contract_renewals.arr_before,
    subscriptions.mrr
from contract_renewals
inner join subscriptions
    on contract_renewals.subscription_id = subscriptions.subscription_id
where
    subscriptions.status = 'active'
    and coalesce(subscriptions.discount_percent, 0) = 0
    and coalesce(subscriptions.discount_amount, 0) = 0
    and subscriptions.quantity = contract_renewals.quantity_before
    and abs(contract_renewals.arr_before - 12 * subscriptions.mrr) > 0.06
