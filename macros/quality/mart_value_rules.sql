{#
    The value ranges of public mart columns, by column name: the one place these
    rules are written. The generic test `mart_value_ranges` applies them to every
    numeric column of a public mart (check_models requires the test on each one).

    A list of rules, the first whose `pattern` (a regular expression searched in
    the lower-case column name) matches wins; a rule without bounds stops the
    search (the column may be negative or positive). An integer column that no
    rule matches is a count or a duration: not negative.
#}
{% macro mart_value_rules() %}
    {{ return([
        {'pattern': '(^|_)rate_to_reporting$|(^|_)fx_rate$', 'min': 0, 'strict_min': true,
         'what': 'an FX rate is above 0'},
        {'pattern': '^net_.*churn.*_rate$', 'max': 1, 'what': 'a net churn rate is at most 1'},
        {'pattern': '^net_.*_rate$', 'min': 0,
         'what': 'a net rate is not negative (with expansion it may exceed 1)'},
        {'pattern': '(^|_)indexation_rate$', 'min': -1, 'what': 'a price change is at least -100%'},
        {'pattern': '(^|_)(nrr|net_revenue_retention)(_|$)|(^|_)revenue_retention$', 'min': 0,
         'what': 'a revenue retention is not negative (it may exceed 1)'},
        {'pattern': '_rate$|_rate_|(^|_)share$|_share_|(^|_)(grr|gross_revenue_retention)(_|$)|(^|_)logo_retention$',
         'min': 0, 'max': 1, 'what': 'a rate, share or logo retention lies between 0 and 1'},
        {'pattern': '(^|_)(quick_ratio|ltv|cac|ltv_to_cac)(_|$)|_ratio$', 'min': 0,
         'what': 'a ratio, LTV or CAC is not negative'},
        {'pattern': '(^|_)(contraction|churned|churn)_(mrr|arr)$', 'max': 0,
         'what': 'a contraction or churn movement is not positive'},
        {'pattern': '(^|_)transfer_out_(mrr|arr)$', 'max': 0,
         'what': 'MRR moved out of a segment is not positive'},
        {'pattern': '(^|_)(fx_impact|movement|change|difference|delta|gap|until)(_|$)',
         'what': 'a change may have either sign'},
        {'pattern': '(^|_)(mrr|arr|arpa|spend|price|amount|billed|quantity)(_|$)', 'min': 0,
         'what': 'MRR, ARR and money amounts are not negative'},
        {'pattern': '(^|_)percent$', 'min': 0, 'max': 100, 'what': 'a percentage lies between 0 and 100'},
        {'pattern': '(^|_)(days|months|count|size|customers|trials|converted|lines)(_|$)', 'min': 0,
         'what': 'counts and durations are not negative'},
    ]) }}
{% endmacro %}


{#- The rule of a column of a public mart (a dict as above, or none). `data_type`
    as the adapter reports it: DuckDB's DECIMAL(18,2) or Spark's decimal(18,2). -#}
{% macro mart_value_rule(column_name, data_type) %}
    {%- set base = (data_type or '') | lower | replace(' ', '') -%}
    {%- set base = base.split('(')[0] -%}
    {%- set integers = ['integer', 'int', 'bigint', 'smallint', 'tinyint', 'hugeint', 'ubigint', 'uinteger', 'long', 'short', 'byte'] -%}
    {%- set numerics = integers + ['decimal', 'numeric', 'double', 'float', 'real'] -%}
    {%- if base not in numerics -%}
        {{ return(none) }}
    {%- endif -%}
    {%- for rule in mart_value_rules() -%}
        {%- if modules.re.search(rule['pattern'], column_name | lower) -%}
            {{ return(rule if ('min' in rule or 'max' in rule) else none) }}
        {%- endif -%}
    {%- endfor -%}
    {%- if base in integers -%}
        {{ return({'min': 0, 'what': 'counts and durations are not negative'}) }}
    {%- endif -%}
    {{ return(none) }}
{% endmacro %}
