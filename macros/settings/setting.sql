{#
    Read a project setting (a dbt var, default in dbt_project.yml) and validate it, so a typo in
    `--vars` fails the build with a message instead of silently picking a branch.
    Each setting, its allowed values and its default are documented in
    models/docs/settings.md.
#}
{% macro setting(name) %}
    {%- set allowed = {
        'churn_recognition': ['service_end', 'request'],
        'free_plan_downgrade': ['churn', 'contraction'],
        'pause_treatment': ['contraction', 'churn'],
        'billing_source': ['files', 'stripe'],
    } -%}
    {%- set known = ['reporting_currency', 'as_of_date', 'churn_recognition', 'free_plan_downgrade',
                     'pause_treatment', 'reactivation_window_months', 'gross_margin',
                     'trial_conversion_window_days', 'mrr_reconciliation_tolerance',
                     'month_spine_start', 'month_spine_end', 'max_future_days',
                     'billing_source', 'stripe_database', 'stripe_schema'] -%}
    {%- if name not in known -%}
        {{ exceptions.raise_compiler_error("Unknown setting '" ~ name ~ "'. Known settings: " ~ (known | join(', '))) }}
    {%- endif -%}
    {%- set value = var(name) -%}
    {%- if name in allowed and value not in allowed[name] -%}
        {{ exceptions.raise_compiler_error("Setting " ~ name ~ "='" ~ value ~ "' is not valid. Use one of: " ~ (allowed[name] | join(', ')) ~ ".") }}
    {%- endif -%}
    {%- if name == 'reactivation_window_months' and value is not none and (value | string) | int(-1) < 0 -%}
        {{ exceptions.raise_compiler_error("Setting reactivation_window_months='" ~ value ~ "' is not valid. Use a whole number of months >= 0, or null for no limit.") }}
    {%- endif -%}
    {%- if name == 'reporting_currency' and ((value | string) | length != 3 or (value | string) != (value | string | upper)) -%}
        {{ exceptions.raise_compiler_error("Setting reporting_currency='" ~ value ~ "' is not valid. Use an upper-case ISO-4217 code such as USD.") }}
    {%- endif -%}
    {%- if name in ['month_spine_start', 'month_spine_end'] and not modules.re.match('^\\d{4}-\\d{2}-\\d{2}$', value | string) -%}
        {{ exceptions.raise_compiler_error("Setting " ~ name ~ "='" ~ value ~ "' is not valid. Use YYYY-MM-DD.") }}
    {%- endif -%}
    {%- if name == 'mrr_reconciliation_tolerance' and not modules.re.match('^\\d*\\.?\\d+$', value | string) -%}
        {{ exceptions.raise_compiler_error("Setting mrr_reconciliation_tolerance='" ~ value ~ "' is not valid. Use a fraction >= 0, such as 0.01.") }}
    {%- endif -%}
    {%- if name == 'as_of_date' and value is not none -%}
        {%- set parsed = modules.re.match('^\\d{4}-\\d{2}-\\d{2}$', value | string) -%}
        {%- if not parsed -%}
            {{ exceptions.raise_compiler_error("Setting as_of_date='" ~ value ~ "' is not valid. Use YYYY-MM-DD, or null to take it from the data.") }}
        {%- endif -%}
    {%- endif -%}
    {%- if name == 'stripe_schema' and not modules.re.match('^[A-Za-z_][A-Za-z0-9_]*$', value | string) -%}
        {{ exceptions.raise_compiler_error("Setting stripe_schema='" ~ value ~ "' is not valid. Use the name of the schema that holds the landed Stripe tables, such as stripe.") }}
    {%- endif -%}
    {%- if name == 'stripe_database' and value is not none and not modules.re.match('^[A-Za-z_][A-Za-z0-9_]*$', value | string) -%}
        {{ exceptions.raise_compiler_error("Setting stripe_database='" ~ value ~ "' is not valid. Use the name of the database (or attached DuckDB file) that holds the landed Stripe tables, or null for the target's own.") }}
    {%- endif -%}
    {%- if name == 'max_future_days' and not modules.re.match('^\\d+$', value | string) -%}
        {{ exceptions.raise_compiler_error("Setting max_future_days='" ~ value ~ "' is not valid. Use a whole number of days >= 0.") }}
    {%- endif -%}
    {%- if name == 'trial_conversion_window_days' and value is not none and not modules.re.match('^\\d+$', value | string) -%}
        {{ exceptions.raise_compiler_error("Setting trial_conversion_window_days='" ~ value ~ "' is not valid. Use a whole number of days >= 0, or null for no limit.") }}
    {%- endif -%}
    {%- if name == 'gross_margin' -%}
        {%- set is_plain_decimal = modules.re.match('^(0|1)?(\\.\\d{1,6})?$', value | string) and (value | string) not in ['', '.'] -%}
        {%- if not is_plain_decimal or (value | float) <= 0 or (value | float) > 1 -%}
            {{ exceptions.raise_compiler_error("Setting gross_margin='" ~ value ~ "' is not valid. Use a fraction in (0, 1] with at most 6 decimals, such as 0.8.") }}
        {%- endif -%}
    {%- endif -%}
    {{ return(value) }}
{% endmacro %}
