{#
    The first failing check of a row, as three columns: `<prefix>_column`,
    `<prefix>_reason` and `<prefix>_value` (all NULL when every check passes;
    prefix `reject` by default).

    `checks` is a list in the order they must be tried (docs/rejects.md), each a
    dict with:
      - `column`: the column the check is about;
      - `reason`: the reject reason;
      - `when`: a SQL condition that is true when the check fails;
      - `value` (optional): SQL for the offending text. Default: NULL for
        `missing_value`, otherwise `<column>_text` (the base models keep the
        trimmed text of every column they parse or normalise under that name).

    `prior` (optional): a relation alias whose own reject_column, reject_reason
    and reject_value come first, so the rejects ledger can add cross-table checks
    after the row-local verdict. `prefix` names the outputs; the base models use
    `check` and then add the duplicate-key verdict to make the final reject_*.
#}
{% macro reject_verdict(checks, prior=none, prefix='reject') -%}
    {%- set outputs = [
        ('column', prior ~ '.reject_column'),
        ('reason', prior ~ '.reject_reason'),
        ('value', prior ~ '.reject_value'),
    ] -%}
    {%- for output_name, prior_expression in outputs %}
    {%- if checks | length == 0 and prior is none %}
    cast(null as {{ dbt.type_string() }}) as {{ prefix }}_{{ output_name }}{% if not loop.last %},{% endif %}
    {%- else %}
    cast(case
        {%- if prior is not none %}
        when {{ prior }}.reject_reason is not null then {{ prior_expression }}
        {%- endif %}
        {%- for check in checks %}
            {%- if output_name == 'column' %}
                {%- set result = "'" ~ check.column ~ "'" -%}
            {%- elif output_name == 'reason' %}
                {%- set result = "'" ~ check.reason ~ "'" -%}
            {%- elif check.value is defined %}
                {%- set result = check.value -%}
            {%- elif check.reason == 'missing_value' %}
                {%- set result = 'null' -%}
            {%- else %}
                {%- set result = check.column ~ '_text' -%}
            {%- endif %}
        when {{ check.when }} then {{ result }}
        {%- endfor %}
    end as {{ dbt.type_string() }}) as {{ prefix }}_{{ output_name }}{% if not loop.last %},{% endif %}
    {%- endif %}
    {%- endfor %}
{%- endmacro %}
