{#
    Generic test: no row of the model is dated after the as-of month (marts
    never show future months). Returns the offending rows' months.
#}
{% test not_after_as_of_month(model, column_name) %}

with as_of as (

    select as_of_month from {{ ref('util_as_of_date') }}

)

select {{ column_name }} as date_month
from {{ model }}
cross join as_of
where {{ column_name }} > as_of.as_of_month

{% endtest %}
