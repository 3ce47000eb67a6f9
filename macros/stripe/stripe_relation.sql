{#
    The landed Stripe table `table_name` as a relation, or none when it does not
    exist (checked only at run time: at parse time every table is assumed present,
    so that dbt records the dependency).
#}
{% macro stripe_relation(table_name) %}
    {%- set relation = source('stripe', table_name) -%}
    {%- if not execute -%}
        {{ return(relation) }}
    {%- endif -%}
    {{ return(adapter.get_relation(database=relation.database, schema=relation.schema, identifier=relation.identifier)) }}
{% endmacro %}
