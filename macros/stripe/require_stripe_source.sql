{#
    Called by the on-run-start hook when billing_source is stripe: stops the build
    with one message naming every required Stripe table or column that is missing
    (stripe_source_tables), and says once which subscription table the events come
    from. Without `subscription_history` (no history mode) they come from the
    current state only, and the message lists the movements that mode cannot see.
#}
{% macro require_stripe_source() %}
    {%- set tables = stripe_source_tables() %}
    {#- Spark has no database above the schema: there it is `stripe`, not `.stripe`. #}
    {%- set where = [setting('stripe_database') or target.database, setting('stripe_schema')] | select | join('.') %}
    {%- set problems = [] %}
    {%- set state = namespace(history=false, current=false) %}
    {%- for table_name, spec in tables.items() %}
        {%- set relation = stripe_relation(table_name) %}
        {%- if relation is none %}
            {%- if spec.required %}
                {%- do problems.append('table ' ~ where ~ '.' ~ table_name ~ ' is missing') %}
            {%- endif %}
        {%- else %}
            {%- if table_name == 'subscription_history' %}{% set state.history = true %}{% endif %}
            {%- if table_name == 'subscription' %}{% set state.current = true %}{% endif %}
            {%- set present = [] %}
            {%- for column in adapter.get_columns_in_relation(relation) %}
                {%- do present.append(column.name | lower) %}
            {%- endfor %}
            {%- for column in spec.columns if column not in present %}
                {%- do problems.append('table ' ~ where ~ '.' ~ table_name ~ ' has no column ' ~ column) %}
            {%- endfor %}
        {%- endif %}
    {%- endfor %}
    {%- if not state.history and not state.current %}
        {%- do problems.append('neither ' ~ where ~ '.subscription_history nor ' ~ where ~ '.subscription exists') %}
    {%- endif %}
    {%- if problems %}
        {%- do exceptions.raise_compiler_error(
            'The Stripe tables in ' ~ where ~ ' cannot be read (billing_source: stripe): '
            ~ problems | join('; ') ~ '. Point the stripe_database / stripe_schema settings at the '
            ~ 'schema your connector lands Stripe into, or add what is missing (docs/stripe.md lists '
            ~ 'the tables and columns), then build again.'
        ) %}
    {%- endif %}
    {%- if state.history %}
        {%- do log('stripe: subscription events from ' ~ where ~ '.subscription_history (history mode)', info=true) %}
    {%- else %}
        {%- do log(
            'stripe: no ' ~ where ~ '.subscription_history table, so subscription events come from the current '
            ~ 'state of ' ~ where ~ '.subscription only. This mode cannot see withdrawn cancellations, earlier '
            ~ 'scheduled cancellations, earlier pauses and resumes, or past-due and unpaid episodes that did not end '
            ~ 'the subscription; plan and quantity changes still come from the invoice lines (docs/stripe.md).',
            info=true) %}
    {%- endif %}
{% endmacro %}
