{#
    Trimmed text, NULL when empty: how every raw VARCHAR is read before it is
    checked, so `'  '` counts as a missing value and `' 007 '` as `'007'`.
#}
{% macro clean_text(text) -%}
    nullif(trim({{ text }}), '')
{%- endmacro %}
