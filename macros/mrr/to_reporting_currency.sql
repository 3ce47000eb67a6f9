{#
    An amount converted to the reporting currency with its rate, unrounded and
    widened first (DuckDB keeps a DECIMAL(18) product narrow and overflows past a
    million). When the rate is missing the query stops with the currency and the
    date it was needed for, never a silent NULL (raw export spec, fx_rates).
#}
{#- `needed_for`: a SQL text expression naming the date, e.g.
    "cast(spend_date as " ~ dbt.type_string() ~ ")" or
    "'the snapshot of month ' || cast(date_month as " ~ dbt.type_string() ~ ")".
    `needed`: a SQL condition; without a rate the query stops only where it holds
    (a zero amount needs no rate), and the result is NULL elsewhere. -#}
{% macro to_reporting_currency(amount, rate, currency, needed_for, amount_scale=6, needed='true') -%}
    case
        when {{ rate }} is null and ({{ needed }})
            then {{ raise_sql_error(
                "'No FX rate for ' || " ~ currency ~ " || ' on or before ' || " ~ needed_for
                ~ " || ': add rates for this currency to fx_rates (docs/raw-spec.md).'"
            ) }}
        else cast({{ amount }} as decimal(38, {{ amount_scale }})) * {{ rate }}
    end
{%- endmacro %}
