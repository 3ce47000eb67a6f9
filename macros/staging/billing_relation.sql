{#
    The raw relation a base model reads for spec table `table_name`: the
    `billing` source loaded by `rrw load` (billing_source = files), or, with
    billing_source = stripe, the model in the raw export spec built from the landed Stripe
    tables (models/staging/stripe/, docs/stripe.md). FX rates and marketing spend
    always come from the `billing` source: Stripe has neither. The one switch
    between the two sources; base models call it instead of source('billing', ...).
#}
{% macro billing_relation(table_name) %}
    {%- set from_stripe = [
        'customers', 'plans', 'subscriptions', 'subscription_events',
        'invoices', 'invoice_line_items', 'payments',
    ] -%}
    {#- A base model's unit tests give the `billing` source's rows whatever the setting. -#}
    {%- set in_unit_test = model is defined and model is not none and model.resource_type == 'unit_test' -%}
    {%- if setting('billing_source') == 'stripe' and table_name in from_stripe and not in_unit_test -%}
        {{- return(ref('raw_stripe__' ~ table_name)) -}}
    {%- endif -%}
    {{- return(source('billing', table_name)) -}}
{% endmacro %}
