{#
    Fails with every row for which the SQL `expression` is false. With a
    `column_name` (the test placed under a column) the expression is appended to
    it: `column_name ~ ' ' ~ expression`, e.g. `>= 0`. A NULL result passes, as in
    a check constraint.
#}
{% test expression_is_true(model, expression, column_name=none) %}

{%- set condition = expression if column_name is none else column_name ~ ' ' ~ expression %}

select *
from {{ model }}
where not ({{ condition }})

{% endtest %}
