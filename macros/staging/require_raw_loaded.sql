{#
    on-run-start hook: a `dbt build` / `run` / `test` on a warehouse that holds no
    billing data stops at once with one message that says what to do, instead of
    one catalog error per model. It checks that every table of the `billing`
    source exists (written by `rrw load`, or by a connector that lands the raw
    tables); other commands (parse, compile, seed, docs) are not affected. With
    billing_source = stripe it checks the landed Stripe tables instead
    (require_stripe_source) and, in raw, only FX rates and marketing spend.
#}
{% macro require_raw_loaded() %}
    {%- if not execute or flags.WHICH not in ['build', 'run', 'test'] %}
        {{- return('') }}
    {%- endif %}
    {%- set missing = [] %}
    {%- set expected = [] %}
    {#- With billing_source = stripe only FX rates and marketing spend come from raw. #}
    {%- set from_stripe = setting('billing_source') == 'stripe' %}
    {%- if from_stripe %}
        {%- do require_stripe_source() %}
    {%- endif %}
    {%- for source_node in graph.sources.values() if source_node.source_name == 'billing'
        and (not from_stripe or source_node.name in ['fx_rates', 'marketing_spend']) %}
        {%- do expected.append(source_node.schema ~ '.' ~ source_node.identifier) %}
        {%- set found = adapter.get_relation(
            database=source_node.database,
            schema=source_node.schema,
            identifier=source_node.identifier,
        ) %}
        {%- if found is none %}
            {%- do missing.append(source_node.schema ~ '.' ~ source_node.identifier) %}
        {%- endif %}
    {%- endfor %}
    {#- On Spark there is no warehouse file: the message names the target. #}
    {%- set where = target.path if target.type == 'duckdb' else 'the ' ~ target.name ~ ' target' %}
    {%- set load = 'rrw load FOLDER' if target.type == 'duckdb' else 'rrw load --target ' ~ target.name ~ ' FOLDER' %}
    {%- if missing | length == expected | length and expected %}
        {%- do exceptions.raise_compiler_error(
            'No billing data has been loaded into this warehouse (' ~ where ~ '): '
            ~ 'the raw tables do not exist. Run `' ~ load ~ '` first (or `rrw demo` '
            ~ 'for demo data), then build again.'
        ) %}
    {%- elif missing %}
        {%- do exceptions.raise_compiler_error(
            'The raw layer of ' ~ where ~ ' is incomplete: ' ~ missing | join(', ')
            ~ ' do not exist. Load a complete export with `' ~ load ~ '` '
            ~ '(it creates absent optional tables empty), then build again.'
        ) %}
    {%- endif %}
    {{- return('') }}
{% endmacro %}
