with

base_fx_rates as (

    select
        currency,
        rate_to_reporting,
        rate_date,
        load_batch_id,
        source_file,
        source_row_number,
        reject_reason,
        is_superseded
    from {{ ref('base_billing__fx_rates') }}

),

rejects as (

    select
        load_batch_id,
        source_row_number
    from {{ ref('stg_billing__rejects') }}
    where table_name = 'fx_rates'

),

{# A row is usable when it has no row-local verdict and no cross-table one. #}
final as (

    select
        base_fx_rates.currency,
        base_fx_rates.rate_to_reporting,
        base_fx_rates.rate_date,
        base_fx_rates.load_batch_id,
        base_fx_rates.source_file,
        base_fx_rates.source_row_number
    from base_fx_rates
    left join rejects
        on
            base_fx_rates.source_row_number = rejects.source_row_number
            and base_fx_rates.load_batch_id = rejects.load_batch_id
    where
        base_fx_rates.reject_reason is null
        and not base_fx_rates.is_superseded
        and rejects.source_row_number is null

)

select * from final
