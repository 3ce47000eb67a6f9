{#
    Keyed SHA-256 of a personal-data value (trimmed, lower-cased), so marts can
    join and count on it without exposing it. The key comes from the
    RRW_PII_HASH_KEY environment variable: without the key the hash cannot be
    reproduced from a guessed email. NULL stays NULL.
#}
{% macro keyed_hash(expression) -%}
    {{ return(adapter.dispatch('keyed_hash', 'recurring_revenue')(expression)) }}
{%- endmacro %}

{% macro default__keyed_hash(expression) -%}
    case
        when {{ expression }} is not null
            then sha2(concat('{{ env_var("RRW_PII_HASH_KEY", "rrw-demo-key") }}', '|', lower(trim({{ expression }}))), 256)
    end
{%- endmacro %}

{% macro duckdb__keyed_hash(expression) -%}
    case
        when {{ expression }} is not null
            then sha256(concat('{{ env_var("RRW_PII_HASH_KEY", "rrw-demo-key") }}', '|', lower(trim({{ expression }}))))
    end
{%- endmacro %}
