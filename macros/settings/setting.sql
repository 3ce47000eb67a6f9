{#
    The project's settings: each is a dbt var whose default is declared once, in
    dbt_project.yml (`vars:`), and documented in models/docs/settings.md. SQL reads a
    setting only through `setting(name)`, which checks the value against its rule
    below, so a typo in `--vars` fails the build with a message instead of silently
    picking a branch. tests/python/test_settings_rules.py ties the three together:
    a setting declared in one and not the others fails it.

    A rule: `allowed` (a list of values), or `pattern` (a regular expression the
    value, as text, must match) with optional bounds `above` (exclusive) and `max`
    (inclusive), and `use` (what to write instead, for the message); `nullable`: null
    is a valid value.
#}
{% macro setting_rules() %}
    {%- set date = '^\\d{4}-\\d{2}-\\d{2}$' -%}
    {%- set whole = '^\\d+$' -%}
    {%- set fraction = '^\\d*\\.?\\d+$' -%}
    {%- set identifier = '^[A-Za-z_][A-Za-z0-9_]*$' -%}
    {{ return({
        'reporting_currency': {'pattern': '^[A-Z]{3}$', 'use': 'an upper-case ISO-4217 code such as USD'},
        'as_of_date': {'pattern': date, 'nullable': true, 'use': 'YYYY-MM-DD, or null to take it from the data'},
        'churn_recognition': {'allowed': ['service_end', 'request']},
        'free_plan_downgrade': {'allowed': ['churn', 'contraction']},
        'pause_treatment': {'allowed': ['contraction', 'churn']},
        'reactivation_window_months': {'pattern': whole, 'nullable': true,
            'use': 'a whole number of months >= 0, or null for no limit'},
        'mrr_reconciliation_tolerance': {'pattern': fraction, 'use': 'a fraction >= 0, such as 0.01'},
        'rejects_error_share': {'pattern': fraction, 'max': 1,
            'use': 'a fraction from 0 to 1, such as 0.05'},
        'gross_margin': {'pattern': '^(0|1)?\\.\\d{1,6}$|^[01]$', 'above': 0, 'max': 1,
            'use': 'a fraction in (0, 1] with at most 6 decimals, such as 0.8'},
        'trial_conversion_window_days': {'pattern': whole, 'nullable': true,
            'use': 'a whole number of days >= 0, or null for no limit'},
        'month_spine_start': {'pattern': date, 'use': 'YYYY-MM-DD'},
        'month_spine_end': {'pattern': date, 'use': 'YYYY-MM-DD'},
        'max_future_days': {'pattern': whole, 'use': 'a whole number of days >= 0'},
        'billing_source': {'allowed': ['files', 'stripe']},
        'stripe_database': {'pattern': identifier, 'nullable': true,
            'use': "the name of the database (or attached DuckDB file) that holds the landed Stripe tables, or null for the target's own"},
        'stripe_schema': {'pattern': identifier,
            'use': 'the name of the schema that holds the landed Stripe tables, such as stripe'},
    }) }}
{% endmacro %}


{#- The problem with a value of a setting (a message), or none when it is valid. -#}
{% macro setting_problem(name, value) %}
    {%- set rules = setting_rules() -%}
    {%- if name not in rules -%}
        {{ return("Unknown setting '" ~ name ~ "'. Known settings: " ~ (rules.keys() | list | join(', '))) }}
    {%- endif -%}
    {%- set rule = rules[name] -%}
    {%- if value is none and rule.get('nullable') -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set text = value | string -%}
    {%- if 'allowed' in rule -%}
        {%- set valid = value in rule['allowed'] -%}
        {%- set use = 'one of: ' ~ (rule['allowed'] | join(', ')) -%}
    {%- else -%}
        {%- set valid = value is not none and modules.re.match(rule['pattern'], text) is not none -%}
        {%- set valid = valid and ('above' not in rule or (text | float) > rule['above']) -%}
        {%- set valid = valid and ('max' not in rule or (text | float) <= rule['max']) -%}
        {%- set use = rule['use'] -%}
    {%- endif -%}
    {{ return(none if valid else "Setting " ~ name ~ "='" ~ value ~ "' is not valid. Use " ~ use ~ ".") }}
{% endmacro %}


{% macro setting(name) %}
    {%- set problem = setting_problem(name, var(name, none)) -%}
    {%- if problem is not none -%}
        {{ exceptions.raise_compiler_error(problem) }}
    {%- endif -%}
    {{ return(var(name)) }}
{% endmacro %}


{#- `dbt run-operation print_setting_verdicts --args '{cases: [[name, value], ...]}'`:
    one log line per case, `setting_verdict|<name>|<problem or ok>`, for the tests. -#}
{% macro print_setting_verdicts(cases) %}
    {%- for case in cases -%}
        {%- set problem = setting_problem(case[0], case[1]) -%}
        {%- do log('setting_verdict|' ~ case[0] ~ '|' ~ (problem or 'ok'), info=true) -%}
    {%- endfor -%}
{% endmacro %}
