{#
    Whether the Stripe source layer's models (models/staging/stripe/) are enabled:
    when billing_source is stripe, and always on the `lint` target, so that
    sqlfluff (which skips disabled models) lints them although the default
    billing_source is files. The lint target is an in-memory DuckDB that builds
    nothing, so enabling them there changes no build.
#}
{% macro stripe_source_enabled() %}
    {{ return(setting('billing_source') == 'stripe' or target.name == 'lint') }}
{% endmacro %}
