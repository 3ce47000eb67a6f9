{#
    Fails with every row whose `column_name` lies outside [min_value, max_value]
    (either bound optional; `inclusive: false` makes both bounds strict). NULLs
    pass: test them with not_null.
#}
{% test accepted_range(model, column_name, min_value=none, max_value=none, inclusive=true) %}

{%- if min_value is none and max_value is none %}
    {{ exceptions.raise_compiler_error("accepted_range needs min_value or max_value (" ~ model ~ "." ~ column_name ~ ")") }}
{%- endif %}
{%- set lower_operator = '>=' if inclusive else '>' %}
{%- set upper_operator = '<=' if inclusive else '<' %}

select *
from {{ model }}
where
    not (
        1 = 1
        {%- if min_value is not none %}
        and {{ column_name }} {{ lower_operator }} {{ min_value }}
        {%- endif %}
        {%- if max_value is not none %}
        and {{ column_name }} {{ upper_operator }} {{ max_value }}
        {%- endif %}
    )

{% endtest %}
