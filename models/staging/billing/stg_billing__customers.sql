with

base_customers as (

    select
        customer_id,
        customer_name,
        email,
        country_code,
        acquisition_channel,
        created_at,
        load_batch_id,
        source_file,
        source_row_number,
        reject_reason,
        is_superseded
    from {{ ref('base_billing__customers') }}

),

rejects as (

    select
        load_batch_id,
        source_row_number
    from {{ ref('stg_billing__rejects') }}
    where table_name = 'customers'

),

{# A row is usable when it has no row-local verdict and no cross-table one. #}
final as (

    select
        base_customers.customer_id,
        base_customers.customer_name,
        base_customers.email,
        base_customers.country_code,
        base_customers.acquisition_channel,
        base_customers.created_at,
        base_customers.load_batch_id,
        base_customers.source_file,
        base_customers.source_row_number
    from base_customers
    left join rejects
        on
            base_customers.source_row_number = rejects.source_row_number
            and base_customers.load_batch_id = rejects.load_batch_id
    where
        base_customers.reject_reason is null
        and not base_customers.is_superseded
        and rejects.source_row_number is null

)

select * from final
