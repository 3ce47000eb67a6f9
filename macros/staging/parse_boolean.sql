{#
    Boolean text as the contract writes it: `true`/`false` in any case, or `1`/`0`.
    NULL for anything else (and for NULL). Expects trimmed text (clean_text).
#}
{% macro parse_boolean(text) -%}
    case
        when lower({{ text }}) in ('true', '1') then true
        when lower({{ text }}) in ('false', '0') then false
    end
{%- endmacro %}
