{#
    Exact division rounded half away from zero (half-up for positive values) to
    `scale` decimal places, returned as decimal(38, scale). NULL when the
    denominator is zero or NULL.

    Why: DuckDB divides DECIMALs in DOUBLE, so `round(a / b, 2)` can land on the
    wrong side of a half cent (0.0375 * 52 / 12 gives 0.16, not 0.17). Here both
    operands are scaled to whole numbers N and D (the numerator may carry up to
    `numerator_scale` decimals, the denominator up to `denominator_scale`) and
    divided with exact integer floor division:
    result = sign * floor((2 * |N| * 10^e + |D|) / (2 * |D|)) / 10^scale, where
    e = denominator_scale + scale - numerator_scale (moved to D when negative).
#}
{% macro divide_round(numerator, denominator, scale=2, numerator_scale=8, denominator_scale=8) -%}
    {%- set n -%}cast(cast(({{ numerator }}) as decimal(38, {{ numerator_scale }})) * {{ 10 ** numerator_scale }} as decimal(38, 0)){%- endset -%}
    {%- set d -%}cast(cast(({{ denominator }}) as decimal(38, {{ denominator_scale }})) * {{ 10 ** denominator_scale }} as decimal(38, 0)){%- endset -%}
    {%- set e = denominator_scale + scale - numerator_scale -%}
    {%- set n_whole -%}abs({{ n }}){% if e > 0 %} * {{ 10 ** e }}{% endif %}{%- endset -%}
    {%- set d_whole -%}abs({{ d }}){% if e < 0 %} * {{ 10 ** (-e) }}{% endif %}{%- endset -%}
    case
        when ({{ denominator }}) = 0 then null
        else cast(
            case when (({{ numerator }}) < 0) <> (({{ denominator }}) < 0) then -1 else 1 end
            * cast({{ integer_divide('2 * ' ~ n_whole ~ ' + ' ~ d_whole, '2 * ' ~ d_whole) }} as decimal(38, 0))
            {%- if scale > 0 %} * {{ '0.' ~ ('0' * (scale - 1)) ~ '1' }}{% endif %}
            as decimal(38, {{ scale }})
        )
    end
{%- endmacro %}
