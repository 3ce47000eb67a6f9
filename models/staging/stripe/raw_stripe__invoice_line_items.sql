{{ config(enabled=stripe_source_enabled()) }}
{#
    raw.invoice_line_items from Stripe's `invoice_line_item`. Lines with a
    temporary `sub_` id (an upcoming invoice's preview), test-mode lines and the
    lines of left-out invoices are left out (counted in rpt_stripe__exclusions).

    Line type: a proration line is `proration` (negative for the unused time of
    the old price); a subscription line of a metered price `usage`; any other
    subscription line `recurring`; an invoice item `credit` when negative, else
    `one_time`. The contract subscription is the line's subscription item (else
    the subscription's item with the line's price, else its first item); one-time
    and credit lines carry no plan (their price is not a recurring plan), and one-time
    lines no service period (Stripe gives them a period of zero length).

    Stripe lands no tax or discount per line, only per invoice: the invoice's tax,
    and its discount (subtotal + tax - total), are allocated to its positive lines
    (the discount to the discountable ones) in proportion to their amounts, in the
    currency's minor units: each line gets the whole units of its exact share, and
    the units left over go one each to the lines with the largest remainders (ties:
    the smaller line id), so the shares add up exactly to the invoice's figures.
#}
with invoice_line_item as (

    {{ stripe_columns('invoice_line_item', [
        'id', 'unique_id', 'invoice_id', 'type', 'amount', 'quantity', 'period_start', 'period_end',
        'proration', 'plan_id', 'price_id', 'subscription_id', 'subscription_item_id', 'description',
        'discountable', 'livemode',
    ]) }}

),

invoice as (

    {{ stripe_columns('invoice', ['id', 'currency', 'subtotal', 'tax', 'total', '_fivetran_synced']) }}

),

kept_invoices as (

    select invoice_id
    from {{ ref('raw_stripe__invoices') }}

),

price as (

    {{ stripe_columns('price', ['id', 'recurring_usage_type']) }}

),

subscription_items as (

    select
        subscription_id,
        stripe_subscription_id
    from {{ ref('raw_stripe__subscriptions') }}

),

subscription_item as (

    {{ stripe_columns('subscription_item', ['id', 'subscription_id', 'plan_id', 'price_id']) }}

),

lines as (

    select
        invoice_line_item.*,
        invoice.currency,
        invoice.subtotal,
        invoice.tax,
        invoice.total,
        invoice._fivetran_synced,
        coalesce(invoice_line_item.price_id, invoice_line_item.plan_id) as line_price_id,
        {{ is_integer_text('invoice_line_item.amount') }} as has_integer_amount
    from invoice_line_item
    left join invoice
        on invoice_line_item.invoice_id = invoice.id
    left join kept_invoices
        on invoice_line_item.invoice_id = kept_invoices.invoice_id
    where
        {#- A line of an invoice that is not landed at all stays in (staging rejects it as an orphan). #}
        (invoice.id is null or kept_invoices.invoice_id is not null)
        and coalesce({{ stripe_flag('invoice_line_item.livemode') }}, true)
        and coalesce(substring(invoice_line_item.id, 1, 4), '') <> 'sub_'

),

{# The item of each line: its own, else the subscription's item with its price, else the first. #}
items_by_price as (

    select
        subscription_id as stripe_subscription_id,
        coalesce(price_id, plan_id) as price_id,
        min(id) as item_id
    from subscription_item
    group by
        subscription_id,
        coalesce(price_id, plan_id)

),

first_items as (

    select
        stripe_subscription_id,
        min(subscription_id) as item_id
    from subscription_items
    group by stripe_subscription_id

),

typed as (

    select
        lines.*,
        coalesce(lines.subscription_item_id, items_by_price.item_id, first_items.item_id) as contract_subscription_id,
        case
            when coalesce({{ stripe_flag('lines.proration') }}, false) then 'proration'
            when lower(lines.type) = 'subscription' and lower(price.recurring_usage_type) = 'metered' then 'usage'
            when lower(lines.type) = 'subscription' then 'recurring'
            when lines.has_integer_amount and cast(lines.amount as decimal(18, 0)) < 0 then 'credit'
            else 'one_time'
        end as line_type,
        case
            when lines.has_integer_amount then cast(lines.amount as decimal(18, 0))
        end as amount_minor,
        coalesce({{ stripe_flag('lines.discountable') }}, true) as is_discountable
    from lines
    left join price
        on lines.line_price_id = price.id
    left join items_by_price
        on
            lines.subscription_id = items_by_price.stripe_subscription_id
            and lines.line_price_id = items_by_price.price_id
    left join first_items
        on lines.subscription_id = first_items.stripe_subscription_id

),

{# The invoice figures to allocate (minor units) and each line's weight in them. #}
weighted as (

    select
        *,
        case when amount_minor > 0 then amount_minor else 0 end as tax_weight,
        case when amount_minor > 0 and is_discountable then amount_minor else 0 end
            as discount_weight,
        case when {{ is_integer_text('tax') }} then cast(tax as decimal(18, 0)) else 0 end as invoice_tax,
        case
            when {{ is_integer_text('subtotal') }} and {{ is_integer_text('total') }}
                then greatest(
                    cast(subtotal as decimal(18, 0))
                    + case when {{ is_integer_text('tax') }} then cast(tax as decimal(18, 0)) else 0 end
                    - cast(total as decimal(18, 0)),
                    0
                )
            else 0
        end as invoice_discount
    from typed

),

totals as (

    select
        *,
        sum(tax_weight) over (partition by invoice_id) as tax_weight_total,
        sum(discount_weight) over (partition by invoice_id) as discount_weight_total
    from weighted

),

floored as (

    select
        *,
        case
            when tax_weight_total > 0
                then {{ integer_divide('invoice_tax * tax_weight', 'tax_weight_total') }}
            else 0
        end as tax_floor,
        case
            when discount_weight_total > 0
                then {{ integer_divide('invoice_discount * discount_weight', 'discount_weight_total') }}
            else 0
        end as discount_floor
    from totals

),

remainders as (

    select
        *,
        invoice_tax * tax_weight - tax_floor * tax_weight_total as tax_remainder,
        invoice_discount * discount_weight - discount_floor * discount_weight_total as discount_remainder,
        sum(tax_floor) over (partition by invoice_id) as tax_floor_total,
        sum(discount_floor) over (partition by invoice_id) as discount_floor_total
    from floored

),

ranked as (

    select
        *,
        row_number() over (
            partition by invoice_id order by case when tax_weight > 0 then 0 else 1 end, tax_remainder desc, id asc
        ) as tax_rank,
        row_number() over (
            partition by invoice_id
            order by case when discount_weight > 0 then 0 else 1 end, discount_remainder desc, id asc
        ) as discount_rank
    from remainders

),

allocated as (

    select
        *,
        tax_floor + case
            when tax_weight > 0 and tax_rank <= invoice_tax - tax_floor_total then 1 else 0
        end as tax_minor,
        discount_floor + case
            when discount_weight > 0 and discount_rank <= invoice_discount - discount_floor_total then 1 else 0
        end as discount_minor
    from ranked

),

final as (

    select
        coalesce(unique_id, id) as line_item_id,
        invoice_id,
        contract_subscription_id as subscription_id,
        case when line_type <> 'one_time' and line_type <> 'credit' then line_price_id end as plan_id,
        line_type,
        description,
        case when line_type <> 'one_time' then {{ stripe_date('period_start') }} end as service_period_start,
        case when line_type <> 'one_time' then {{ stripe_date('period_end') }} end as service_period_end,
        coalesce(quantity, '1') as quantity,
        {{ stripe_money('amount', 'currency') }} as amount,
        {{ stripe_money('cast(discount_minor as ' ~ dbt.type_string() ~ ')', 'currency') }} as discount_amount,
        {{ stripe_money('cast(tax_minor as ' ~ dbt.type_string() ~ ')', 'currency') }} as tax_amount,
        id as stripe_line_id,
        subscription_id as stripe_subscription_id,
        {{ stripe_lineage('invoice_line_item', order_by='coalesce(unique_id, id), id') }}
    from allocated

)

select * from final
