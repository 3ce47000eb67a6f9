{#
    Fails with one row per combination of `combination_of_columns` that occurs
    more than once: the primary-key test for composite grains. NULLs count as a
    value (two rows with the same NULL part are duplicates).
#}
{% test unique_combination_of_columns(model, combination_of_columns) %}

with

duplicated_combinations as (

    select
        {{ combination_of_columns | join(',\n        ') }},
        count(*) as row_count
    from {{ model }}
    group by {{ combination_of_columns | join(', ') }}
    having count(*) > 1

)

select * from duplicated_combinations

{% endtest %}
