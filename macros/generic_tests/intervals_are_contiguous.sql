{#
    Generic test: the intervals [valid_from, valid_to) of each partition form one
    unbroken, non-overlapping timeline: every interval has valid_to > valid_from,
    each one starts where the previous one ended, and only the last is open
    (valid_to NULL). Returns one row per broken interval with the problem.
#}
{% test intervals_are_contiguous(model, partition_by, valid_from='valid_from', valid_to='valid_to') %}

with intervals as (

    select
        {{ partition_by }} as partition_key,
        {{ valid_from }} as interval_from,
        {{ valid_to }} as interval_to,
        lead({{ valid_from }}) over (partition by {{ partition_by }} order by {{ valid_from }}) as next_from,
        count(*) over (partition by {{ partition_by }}, {{ valid_from }}) as starts_at_same_instant
    from {{ model }}

),

problems as (

    select
        partition_key,
        interval_from,
        interval_to,
        case
            when starts_at_same_instant > 1 then 'two intervals start at the same instant'
            when interval_to is not null and interval_to <= interval_from then 'valid_to is not after valid_from'
            when next_from is not null and interval_to is null then 'an open interval is followed by another'
            when next_from is not null and interval_to > next_from then 'overlaps the next interval'
            when next_from is not null and interval_to < next_from then 'gap before the next interval'
            when next_from is null and interval_to is not null then 'the last interval is closed'
        end as problem
    from intervals

)

select *
from problems
where problem is not null

{% endtest %}
