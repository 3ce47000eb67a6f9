{{ config(enabled=stripe_source_enabled()) }}
{#
    raw.customers from Stripe's `customer`: test-mode rows (livemode false) and
    test-clock customers are left out (counted in rpt_stripe__exclusions); deleted
    customers are kept, so their invoices are not orphans, and flagged in the
    extra column stripe_is_deleted. Country: the billing address, else shipping.
#}
with customer as (

    {{ stripe_columns('customer', [
        'id', 'name', 'email', 'address_country', 'shipping_address_country',
        'created', 'is_deleted', 'livemode', 'test_clock_id', '_fivetran_synced',
    ]) }}

),

kept as (

    select *
    from customer
    where
        coalesce({{ stripe_flag('livemode') }}, true)
        and test_clock_id is null

),

final as (

    select
        id as customer_id,
        name as customer_name,
        email,
        upper(coalesce(address_country, shipping_address_country)) as country_code,
        cast(null as {{ dbt.type_string() }}) as acquisition_channel,
        created as created_at,
        cast(coalesce({{ stripe_flag('is_deleted') }}, false) as {{ dbt.type_string() }}) as stripe_is_deleted,
        {{ stripe_lineage('customer') }}
    from kept

)

select * from final
