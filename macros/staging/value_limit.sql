{#
    The largest absolute value staging accepts, per kind of number (docs/rejects.md,
    "Limits"): a value at or above it is rejected as `out_of_range`. Chosen so that
    every accepted value fits every later layer. The binding type is a
    subscription's MRR in its own currency, decimal(18, 6) (below 1e12): at the
    limits it is below 1e6 x 3e4 x 365 / 12 = 9.1e11 even for a plan billed daily.
    The marts' decimal(18, 2) (below 1e16) then holds a month's total of ten
    thousand such subscriptions at a rate of 1; amounts below a billion leave it
    room for ten million invoices a month.
    - `amount`: money on invoices, invoice lines, payments, discounts, taxes and
      marketing spend;
    - `unit_price`: a price per unit per billing interval (plans, events);
    - `quantity`: units (seats, licences) on subscription events;
    - `line_quantity`: the informational quantity of an invoice line (usage);
    - `count`: whole numbers of a row: interval counts, trial days, commitment
      months, notice days.
#}
{% macro value_limit(kind) -%}
    {%- set limits = {
        'amount': '1000000000',
        'unit_price': '1000000',
        'quantity': '30000',
        'line_quantity': '1000000000',
        'count': '10000',
    } -%}
    {%- if kind not in limits -%}
        {{ exceptions.raise_compiler_error("value_limit: unknown kind '" ~ kind ~ "'. Use one of: " ~ (limits.keys() | list | join(', '))) }}
    {%- endif -%}
    {{ return(limits[kind]) }}
{%- endmacro %}
