{#
    Monthly-normalised value of an amount billed every `interval_count`
    `interval_unit`s, exact and rounded half-up to `scale` places: price / months
    per interval (`months_per_interval`: a month = 1, a year = 12, a week = 12/52
    and a day = 12/365 months).
    Quarterly 90 -> 30.00; weekly 10 -> 43.33; biennial 2,400 -> 100.00.
#}
{% macro monthly_normalised(amount, interval_unit, interval_count, scale=6) -%}
    {%- set months = months_per_interval(interval_unit, interval_count) -%}
    {{ divide_round(
        '(' ~ amount ~ ') * ' ~ months.denominator,
        months.numerator,
        scale=scale,
    ) }}
{%- endmacro %}
