{#
    on-run-end hook: logs one line per raw table with its rejected rows, e.g.
    `rejects: customers 3 of 3,001 rows (0.10%)`, and flags the tables over
    the rejects_error_share setting. Runs only when this `dbt run` / `dbt build`
    built stg_billing__rejects, so builds of other layers stay quiet. The
    warning and the error themselves come from the tests
    staging_rejected_rows_by_table and staging_rejected_share_within_limit.
#}
{% macro report_rejects(results) %}
    {%- if not execute or flags.WHICH not in ['build', 'run'] %}
        {{- return('') }}
    {%- endif %}

    {%- set rejects_id = 'model.' ~ project_name ~ '.stg_billing__rejects' %}
    {%- set state = namespace(rejects_built=false) %}
    {%- for result in results %}
        {%- if result.node.unique_id == rejects_id and result.status == 'success' %}
            {%- set state.rejects_built = true %}
        {%- endif %}
    {%- endfor %}
    {%- if not state.rejects_built %}
        {{- return('') }}
    {%- endif %}

    {%- set raw_tables = [
        'customers',
        'plans',
        'subscriptions',
        'subscription_events',
        'invoices',
        'invoice_line_items',
        'payments',
        'fx_rates',
        'marketing_spend',
    ] %}
    {%- set raw_counts = [] %}
    {%- for raw_table in raw_tables %}
        {#- With billing_source = stripe the seven billing tables are the Stripe layer's models. #}
        {%- set raw_source = graph.nodes.get('model.' ~ project_name ~ '.raw_stripe__' ~ raw_table)
            if setting('billing_source') == 'stripe' else none %}
        {%- set raw_source = raw_source or graph.sources.get('source.' ~ project_name ~ '.billing.' ~ raw_table) %}
        {%- if raw_source is not none %}
            {%- do raw_counts.append(
                "select '" ~ raw_table ~ "' as table_name, " ~ loop.index ~ " as table_order, "
                ~ "count(*) as raw_rows from " ~ raw_source.relation_name
            ) %}
        {%- endif %}
    {%- endfor %}

    {%- set query %}
        with rejected as (
            select table_name, count(*) as rejected_rows
            from {{ graph.nodes[rejects_id].relation_name }}
            group by table_name
        ),
        raw_counts as (
            {{ raw_counts | join('\n            union all\n            ') }}
        )
        select raw_counts.table_name, raw_counts.raw_rows, coalesce(rejected.rejected_rows, 0) as rejected_rows
        from raw_counts
        left join rejected on raw_counts.table_name = rejected.table_name
        order by raw_counts.table_order
    {%- endset %}

    {%- set error_share = setting('rejects_error_share') | float %}
    {%- for row in run_query(query).rows %}
        {%- set raw_rows = row['raw_rows'] | int %}
        {%- set rejected_rows = row['rejected_rows'] | int %}
        {%- set share = (rejected_rows / raw_rows) if raw_rows > 0 else 0 %}
        {%- set message = 'rejects: {} {:,} of {:,} rows ({:.2%})'.format(row['table_name'], rejected_rows, raw_rows, share) %}
        {%- if share > error_share %}
            {%- set message = message ~ ', over the {:.2%} error share'.format(error_share) %}
        {%- endif %}
        {%- do log(message, info=true) %}
    {%- endfor %}
    {{- return('') }}
{% endmacro %}
