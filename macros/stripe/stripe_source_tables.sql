{#
    The landed Stripe tables the Stripe source layer reads (Fivetran's column names,
    docs/stripe.md): for each table, whether it is required, its required columns
    and its optional ones. A missing required table or column stops the build
    (require_stripe_source); a missing optional column reads as NULL and a missing
    optional table as empty (stripe_columns). `subscription_history` (history mode)
    is read when it exists, else `subscription` (current state only); one of the two
    is required.
#}
{% macro stripe_source_tables() %}
    {{ return({
        'customer': {'required': true, 'columns': ['id', 'created'],
            'optional': ['name', 'email', 'address_country', 'shipping_address_country',
                         'is_deleted', 'livemode', 'test_clock_id', '_fivetran_synced']},
        'price': {'required': true, 'columns': ['id', 'currency'],
            'optional': ['product_id', 'unit_amount', 'recurring_interval', 'recurring_interval_count',
                         'recurring_usage_type', 'billing_scheme', 'nickname', 'is_deleted', 'livemode',
                         '_fivetran_synced']},
        'product': {'required': false, 'columns': ['id'], 'optional': ['name']},
        'subscription_history': {'required': false, 'columns': ['id', 'customer_id', 'status', 'created', '_fivetran_start'],
            'optional': ['_fivetran_end', 'start_date', 'cancel_at', 'cancel_at_period_end', 'canceled_at', 'ended_at',
                         'trial_start', 'trial_end', 'pause_collection_behavior', 'current_period_end',
                         'cancellation_details_reason', 'livemode', 'test_clock_id', '_fivetran_synced']},
        'subscription': {'required': false, 'columns': ['id', 'customer_id', 'status', 'created'],
            'optional': ['start_date', 'cancel_at', 'cancel_at_period_end', 'canceled_at', 'ended_at',
                         'trial_start', 'trial_end', 'pause_collection_behavior', 'current_period_end',
                         'cancellation_details_reason', 'livemode', 'test_clock_id', '_fivetran_synced']},
        'subscription_item': {'required': true, 'columns': ['id', 'subscription_id'],
            'optional': ['plan_id', 'price_id', 'quantity', 'created', 'current_period_end']},
        'invoice': {'required': true, 'columns': ['id', 'customer_id', 'currency', 'status', 'created'],
            'optional': ['subscription_id', 'due_date', 'subtotal', 'tax', 'total', 'charge_id',
                         'is_deleted', 'livemode', 'test_clock_id', '_fivetran_synced']},
        'invoice_line_item': {'required': true, 'columns': ['id', 'invoice_id', 'amount'],
            'optional': ['unique_id', 'type', 'quantity', 'period_start', 'period_end', 'proration',
                         'plan_id', 'price_id', 'subscription_id', 'subscription_item_id', 'description',
                         'discountable', 'livemode']},
        'charge': {'required': true, 'columns': ['id', 'amount', 'currency', 'status', 'created'],
            'optional': ['invoice_id', 'payment_intent_id', 'failure_code', 'failure_message', 'outcome_reason',
                         'livemode', '_fivetran_synced']},
        'refund': {'required': false, 'columns': ['id', 'charge_id', 'amount', 'currency', 'created'],
            'optional': ['status', 'failure_reason']},
        'invoice_payment': {'required': false, 'columns': ['invoice_id'],
            'optional': ['charge_id', 'payment_intent_id']},
        'discount': {'required': false, 'columns': ['id', 'coupon_id', 'subscription_id', 'start'],
            'optional': ['end']},
        'coupon': {'required': false, 'columns': ['id'],
            'optional': ['percent_off', 'amount_off', 'currency', 'duration', 'duration_in_months']},
    }) }}
{% endmacro %}
