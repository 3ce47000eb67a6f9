{#
    A Stripe amount (an integer in the currency's minor unit) as contract text in
    major units, exact: times 1 for the zero-decimal currencies, 0.001 for the
    three-decimal ones, 0.01 for every other currency (docs/stripe.md, "Money").
    Decimal multiplication, never a division, so no binary float is involved. Text
    that is not a whole number is passed on unchanged, for staging to reject as
    `unparseable_value`.
#}
{% macro stripe_money(amount, currency) -%}
    case
        when {{ is_integer_text(amount) }}
            then cast(
                cast(cast({{ amount }} as decimal(18, 0)) * {{ stripe_minor_unit(currency) }} as {{ type_amount() }})
                as {{ dbt.type_string() }}
            )
        else {{ amount }}
    end
{%- endmacro %}

{#- The value of one minor unit of `currency` (lower or upper case) in major units. -#}
{% macro stripe_minor_unit(currency) -%}
    case
        when upper({{ currency }}) in (
            'BIF', 'CLP', 'DJF', 'GNF', 'JPY', 'KMF', 'KRW', 'MGA',
            'PYG', 'RWF', 'UGX', 'VND', 'VUV', 'XAF', 'XOF', 'XPF'
        ) then cast(1 as decimal(4, 3))
        when upper({{ currency }}) in ('BHD', 'JOD', 'KWD', 'OMR', 'TND') then cast(0.001 as decimal(4, 3))
        else cast(0.01 as decimal(4, 3))
    end
{%- endmacro %}

{#- Boolean text of a landed Stripe flag (boolean, `TRUE`/`true`, `1`/`0`); NULL when empty. -#}
{% macro stripe_flag(text) -%}
    case
        when lower({{ text }}) in ('true', '1', 't') then true
        when lower({{ text }}) in ('false', '0', 'f') then false
    end
{%- endmacro %}

{#- A landed Stripe timestamp (a TIMESTAMP, or its text) as contract date text `YYYY-MM-DD`. -#}
{% macro stripe_date(text) -%}
    cast(cast(cast({{ text }} as {{ dbt.type_timestamp() }}) as date) as {{ dbt.type_string() }})
{%- endmacro %}

{#- Contract decimal text as a decimal, NULL when it is not a number (used only to compare signs). -#}
{% macro safe_decimal(text) -%}
    {{ dbt.safe_cast(text, type_amount()) }}
{%- endmacro %}
