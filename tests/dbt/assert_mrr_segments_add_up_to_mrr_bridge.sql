{#
    For every segment dimension and every month of fct_mrr_monthly, the segments of
    fct_mrr_segments_monthly add up exactly to the month's bridge: starting MRR,
    each movement, FX impact and ending MRR; the transfers between segments to 0;
    and, for a customer attribute, the paying customers. Returns each dimension and
    month that differs, with both sides.
#}
{%- set dimensions = ['acquisition_channel', 'country', 'plan', 'product', 'business_model',
                      'billing_interval', 'currency'] -%}
{%- set columns = ['starting_mrr', 'new_mrr', 'expansion_mrr', 'contraction_mrr', 'churned_mrr',
                   'reactivation_mrr', 'fx_impact_mrr', 'ending_mrr'] -%}

with bridge as (

    select
        date_month,
        {% for column in columns -%}
        {{ column }},
        {% endfor -%}
        paying_customers
    from {{ ref('fct_mrr_monthly') }}

),

segments as (

    select
        segment_dimension,
        date_month,
        {% for column in columns -%}
        {{ column }},
        {% endfor -%}
        transfer_in_mrr,
        transfer_out_mrr,
        paying_customers
    from {{ ref('fct_mrr_segments_monthly') }}

),

dimensions as (

    {% for dimension in dimensions -%}
    select '{{ dimension }}' as segment_dimension
    {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

segment_totals as (

    select
        segment_dimension,
        date_month,
        {% for column in columns -%}
        sum({{ column }}) as {{ column }},
        {% endfor -%}
        sum(transfer_in_mrr + transfer_out_mrr) as transfer_mrr,
        sum(paying_customers) as paying_customers
    from segments
    group by
        segment_dimension,
        date_month

),

compared as (

    select
        dimensions.segment_dimension,
        bridge.date_month,
        {% for column in columns -%}
        bridge.{{ column }} as bridge_{{ column }},
        coalesce(segment_totals.{{ column }}, 0) as segments_{{ column }},
        {% endfor -%}
        coalesce(segment_totals.transfer_mrr, 0) as segments_transfer_mrr,
        bridge.paying_customers as bridge_paying_customers,
        coalesce(segment_totals.paying_customers, 0) as segments_paying_customers
    from bridge
    cross join dimensions
    left join segment_totals
        on
            dimensions.segment_dimension = segment_totals.segment_dimension
            and bridge.date_month = segment_totals.date_month

),

{# A segment month outside the bridge's months would be lost by the join above. #}
outside_bridge as (

    select
        segment_totals.segment_dimension,
        segment_totals.date_month
    from segment_totals
    left join bridge
        on segment_totals.date_month = bridge.date_month
    where bridge.date_month is null

),

final as (

    select
        segment_dimension,
        date_month,
        'differs from fct_mrr_monthly' as problem
    from compared
    where
        segments_transfer_mrr <> 0
        {% for column in columns -%}
        or bridge_{{ column }} <> segments_{{ column }}
        {% endfor -%}
        or (
            segment_dimension in ('acquisition_channel', 'country')
            and bridge_paying_customers <> segments_paying_customers
        )

    union all

    select
        segment_dimension,
        date_month,
        'month not in fct_mrr_monthly' as problem
    from outside_bridge

)

select * from final
