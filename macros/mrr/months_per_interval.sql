{#
    Months in one billing interval of `interval_count` `interval_unit`s, as an
    exact ratio of two SQL expressions (numerator / denominator), never divided
    here: a month = 1, a year = 12, a week = 12/52 and a day = 12/365 months
    (docs/decision-log.md, "Normalisation by exact division").

    Returns a dict {'numerator': ..., 'denominator': ...}; callers divide once,
    exactly, with `divide_round`: a monthly value is amount x denominator /
    numerator (`monthly_normalised`), a period's value of a monthly amount is
    amount x numerator / denominator.
#}
{% macro months_per_interval(interval_unit, interval_count) -%}
    {%- do return({
        'numerator': '(' ~ interval_count ~ ') * case ' ~ interval_unit
            ~ " when 'day' then 12 when 'week' then 12 when 'year' then 12 else 1 end",
        'denominator': 'case ' ~ interval_unit ~ " when 'day' then 365 when 'week' then 52 else 1 end",
    }) -%}
{%- endmacro %}
