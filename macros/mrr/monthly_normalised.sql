{#
    Monthly-normalised value of an amount billed every `interval_count`
    `interval_unit`s, exact and rounded half-up to `scale` places
    (metric conventions, MRR rule 2): price / months per interval, where a
    month = 1, a year = 12, a week = 12/52 and a day = 12/365 months.
    Quarterly 90 -> 30.00; weekly 10 -> 43.33; biennial 2,400 -> 100.00.
#}
{% macro monthly_normalised(amount, interval_unit, interval_count, scale=6) -%}
    {{ divide_round(
        '(' ~ amount ~ ') * case ' ~ interval_unit ~ " when 'day' then 365 when 'week' then 52 else 1 end",
        '(' ~ interval_count ~ ') * case ' ~ interval_unit ~ " when 'day' then 12 when 'week' then 12 when 'year' then 12 else 1 end",
        scale=scale,
    ) }}
{%- endmacro %}
