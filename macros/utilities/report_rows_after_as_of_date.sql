{#
    on-run-end hook: after a run or build that built util_rows_after_as_of_date,
    logs one line per raw table with rows dated after the as-of date, e.g.
    `after the as-of date 2026-06-30: payments 12 rows (2026-07-01 to 2026-09-30) count in no month of the marts`.
    Silent when there are none (always, when the as-of date comes from the data).
    The warning itself comes from the test util_rows_after_as_of_date_none_left_out.
#}
{% macro report_rows_after_as_of_date(results) %}
    {%- if not execute or flags.WHICH not in ['build', 'run'] %}
        {{- return('') }}
    {%- endif %}
    {%- set report_id = 'model.' ~ project_name ~ '.util_rows_after_as_of_date' %}
    {%- set as_of_id = 'model.' ~ project_name ~ '.util_as_of_date' %}
    {%- set state = namespace(built=false) %}
    {%- for result in results %}
        {%- if result.node.unique_id == report_id and result.status == 'success' %}
            {%- set state.built = true %}
        {%- endif %}
    {%- endfor %}
    {%- if not state.built %}
        {{- return('') }}
    {%- endif %}
    {%- set query %}
        select
            report.table_name,
            report.date_column,
            report.rows_after_as_of_date,
            cast(report.first_date_after as {{ dbt.type_string() }}) as first_date_after,
            cast(report.last_date_after as {{ dbt.type_string() }}) as last_date_after,
            cast(as_of.as_of_date as {{ dbt.type_string() }}) as as_of_date
        from {{ graph.nodes[report_id].relation_name }} as report
        cross join {{ graph.nodes[as_of_id].relation_name }} as as_of
        where report.rows_after_as_of_date > 0
        order by report.table_name
    {%- endset %}
    {%- for row in run_query(query).rows %}
        {%- do log(
            'after the as-of date {}: {} {:,} rows by {} ({} to {}) count in no month of the marts; '
            'set as_of_date later, or to null to take it from the data'.format(
                row['as_of_date'], row['table_name'], row['rows_after_as_of_date'] | int,
                row['date_column'], row['first_date_after'], row['last_date_after']),
            info=true) %}
    {%- endfor %}
    {{- return('') }}
{% endmacro %}
