{#
    The MRR bridge chains: each month's starting MRR is the previous month's
    ending MRR, exactly, and the first month starts at 0. Returns the months
    where it breaks.
#}
{{ config(meta={'check': 'mrr_month_chain'}) }}

with bridge as (

    select
        date_month,
        starting_mrr,
        lag(ending_mrr) over (order by date_month) as previous_ending_mrr,
        row_number() over (order by date_month) as month_number
    from {{ ref('fct_mrr_monthly') }}

)

select
    date_month,
    starting_mrr,
    previous_ending_mrr
from bridge
where
    (month_number = 1 and starting_mrr <> 0)
    or (month_number > 1 and starting_mrr <> previous_ending_mrr)
