with

base_marketing_spend as (

    select
        channel,
        currency,
        amount,
        spend_date,
        load_batch_id,
        source_file,
        source_row_number,
        reject_reason,
        is_superseded
    from {{ ref('base_billing__marketing_spend') }}

),

rejects as (

    select
        load_batch_id,
        source_row_number
    from {{ ref('stg_billing__rejects') }}
    where table_name = 'marketing_spend'

),

{# A row is usable when it has no row-local verdict and no cross-table one. #}
final as (

    select
        base_marketing_spend.channel,
        base_marketing_spend.currency,
        base_marketing_spend.amount,
        base_marketing_spend.spend_date,
        base_marketing_spend.load_batch_id,
        base_marketing_spend.source_file,
        base_marketing_spend.source_row_number
    from base_marketing_spend
    left join rejects
        on
            base_marketing_spend.source_row_number = rejects.source_row_number
            and base_marketing_spend.load_batch_id = rejects.load_batch_id
    where
        base_marketing_spend.reject_reason is null
        and not base_marketing_spend.is_superseded
        and rejects.source_row_number is null

)

select * from final
