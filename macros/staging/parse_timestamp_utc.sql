{#
    ISO-8601 text to a UTC timestamp without zone; NULL when the text is not a
    valid ISO-8601 date-time. With an offset or `Z` the instant is converted to
    UTC; without one the text already is UTC.

    DuckDB: casting to TIMESTAMP ignores an offset (`10:00+02:00` stays 10:00), and
    casting to TIMESTAMPTZ reads zoneless text in the session time zone. So the
    two shapes are told apart with a pattern and each is cast the way that does
    not depend on the session: zoneless text to TIMESTAMP, text with an offset to
    TIMESTAMPTZ and then to UTC wall-clock time with `timezone('UTC', ...)`.
    Anything else (named zones, a space before the offset, other layouts) is NULL,
    so it is rejected as unparseable instead of being read at the wrong time.

    Default: the adapter's safe cast, which on Spark honours an offset and reads
    zoneless text in the session time zone (the profile pins it to UTC).
#}
{% macro parse_timestamp_utc(text) -%}
    {{ return(adapter.dispatch('parse_timestamp_utc', 'recurring_revenue')(text)) }}
{%- endmacro %}

{% macro default__parse_timestamp_utc(text) -%}
    {{ dbt.safe_cast(text, dbt.type_timestamp()) }}
{%- endmacro %}

{% macro duckdb__parse_timestamp_utc(text) -%}
    case
        when regexp_full_match({{ text }}, '\d{4}-\d{2}-\d{2}([Tt ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?)?')
            then try_cast({{ text }} as timestamp)
        when regexp_full_match({{ text }}, '\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?([Zz]|[+-]\d{2}(:?\d{2})?)')
            then timezone('UTC', try_cast({{ text }} as timestamptz))
    end
{%- endmacro %}

{#
    Spark: its cast refuses a `+0200` offset and accepts layouts the contract does
    not (named zones, a space before the offset). So the text is checked with the
    same two patterns first (`[0-9]`, not `\d`: inside a Spark SQL string `\d`
    becomes `d`), then upper-cased (`t`, `z`), given seconds when it has none
    (Spark reads `10:30+02:00` as NULL, `10:30:00+02:00` as 08:30 UTC) and its
    offset written `+hh:mm`, the forms Spark reads. Zoneless text is read in the session time zone, which the
    profile pins to UTC.
#}
{% macro spark__parse_timestamp_utc(text) -%}
    case
        when {{ text }} rlike '^[0-9]{4}-[0-9]{2}-[0-9]{2}([Tt ][0-9]{2}:[0-9]{2}(:[0-9]{2}([.][0-9]{1,9})?)?)?$'
            then try_cast(upper({{ text }}) as timestamp)
        when {{ text }} rlike '^[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}(:[0-9]{2}([.][0-9]{1,9})?)?([Zz]|[+-][0-9]{2}(:?[0-9]{2})?)$'
            then try_cast(
                regexp_replace(
                    regexp_replace(
                        regexp_replace(upper({{ text }}), '^([^:]*:[0-9]{2})([Z+-])', '$1:00$2'),
                        '([+-][0-9]{2})([0-9]{2})$', '$1:$2'
                    ),
                    '([+-][0-9]{2})$', '$1:00'
                ) as timestamp
            )
    end
{%- endmacro %}
