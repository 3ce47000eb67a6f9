-- The practical floor for the MRR path: one hand-written DuckDB query from the
-- raw text tables to customer-month MRR, with the same rules as the dbt models
-- (docs/subscription-events.md, docs/conventions.md, MRR 1-9), using every
-- DuckDB shortcut the portable models may not (QUALIFY, IGNORE NULLS, ASOF).
-- Expects clean raw data (generated with --bad-row-share 0).
create or replace temp table floor_customer_mrr as
with events as (
    select
        trim(event_id) as event_id,
        trim(subscription_id) as subscription_id,
        lower(trim(event_type)) as event_type,
        nullif(trim(plan_id), '') as plan_id,
        try_cast(quantity as decimal(18, 4)) as quantity,
        try_cast(unit_price as decimal(18, 4)) as unit_price,
        coalesce(try_cast(discount_percent as decimal(9, 4)), 0) as discount_percent,
        coalesce(try_cast(discount_amount as decimal(18, 4)), 0) as discount_amount,
        try_cast(effective_at as timestamptz)::timestamp as effective_at,
        try_cast(recorded_at as timestamptz)::timestamp as recorded_at
    from raw.subscription_events
),
withdrawals as (
    select subscription_id, effective_at as withdrawn_from, recorded_at as withdrawn_at
    from events where event_type = 'cancellation_withdrawn'
),
state_events as (
    select
        e.*,
        case e.event_type
            when 'trial_started' then 'trial' when 'activated' then 'active' when 'resumed' then 'active'
            when 'renewed' then 'active' when 'paused' then 'paused'
            when 'cancellation_scheduled' then 'cancelled' when 'cancelled' then 'cancelled'
        end as event_status
    from events e
    where e.event_type <> 'cancellation_withdrawn'
      and not exists (
          select 1 from withdrawals w
          where w.subscription_id = e.subscription_id
            and e.event_type in ('cancellation_scheduled', 'cancelled')
            and e.recorded_at < w.withdrawn_at and e.effective_at >= w.withdrawn_from
      )
),
carried as (
    select
        subscription_id, effective_at as applied_at, unit_price, discount_percent, discount_amount,
        last_value(event_status ignore nulls) over w as status,
        last_value(plan_id ignore nulls) over w as plan_id,
        last_value(quantity ignore nulls) over w as quantity
    from state_events
    window w as (partition by subscription_id order by effective_at, recorded_at, event_id
                 rows between unbounded preceding and current row)
    qualify row_number() over (partition by subscription_id, effective_at
                               order by recorded_at desc, event_id desc) = 1
),
intervals as (
    select *, lead(applied_at) over (partition by subscription_id order by applied_at) as valid_to
    from carried
),
plans as (
    select
        trim(plan_id) as plan_id, lower(trim(billing_interval_unit)) as unit,
        try_cast(billing_interval_count as integer) as interval_count, upper(trim(currency)) as currency,
        try_cast(unit_price as decimal(18, 4)) as list_price
    from raw.plans
),
valued as (
    select
        s.customer_id, i.applied_at as valid_from, i.valid_to, p.currency,
        case when i.status = 'active' then
            -- exact half-up to 6 decimals: (2 N A + 100 D) // (200 D), N = value x 10^8
            ((2 * (greatest(coalesce(i.unit_price, p.list_price)::decimal(38, 8) * i.quantity
                            * (100 - i.discount_percent) * 0.01 - i.discount_amount, 0)::decimal(38, 8)
                   * 100000000)::hugeint
                * (case p.unit when 'day' then 365 when 'week' then 52 else 1 end)
              + 100 * p.interval_count::hugeint
                * (case p.unit when 'day' then 12 when 'week' then 12 when 'year' then 12 else 1 end))
             // (200 * p.interval_count::hugeint
                * (case p.unit when 'day' then 12 when 'week' then 12 when 'year' then 12 else 1 end))
            )::decimal(38, 0) * 0.000001
        else 0 end as mrr_local
    from intervals i
    join (select trim(subscription_id) as subscription_id, trim(customer_id) as customer_id
          from raw.subscriptions) s using (subscription_id)
    join plans p using (plan_id)
    where i.status <> 'cancelled'
),
as_of as (
    select max(ts)::date as as_of_date from (
        select max(try_cast(recorded_at as timestamptz)::timestamp) as ts from raw.subscription_events
        union all select max(try_cast(issued_at as timestamptz)::timestamp) from raw.invoices
        union all select max(try_cast(occurred_at as timestamptz)::timestamp) from raw.payments
    )
),
months as (
    select
        m::date as date_month,
        (least(last_day(m), as_of_date) + interval 1 day)::timestamp as snapshot_at,
        least(last_day(m), as_of_date) as snapshot_date
    from as_of, generate_series(
        (select date_trunc('month', min(valid_from)) from valued), date_trunc('month', as_of_date),
        interval 1 month) as t(m)
),
rates as (
    select upper(trim(currency)) as currency, try_cast(rate_date as date) as rate_date,
           try_cast(rate_to_reporting as decimal(18, 8)) as rate
    from raw.fx_rates
),
month_rates as (
    select cm.currency, cm.date_month, r.rate
    from (select c.currency, m.date_month, m.snapshot_date
          from (select distinct currency from rates) c cross join months m) cm
    asof join rates r on cm.currency = r.currency and cm.snapshot_date >= r.rate_date
),
customer_months as (
    select v.customer_id, m.date_month, v.currency, sum(v.mrr_local) as mrr_local
    from valued v join months m
      on v.valid_from < m.snapshot_at and (v.valid_to is null or v.valid_to >= m.snapshot_at)
    group by all
)
select
    cm.customer_id, cm.date_month,
    round(sum(cm.mrr_local::decimal(38, 6) * coalesce(r.rate, case when cm.currency = 'USD' then 1 end)), 2)::decimal(18, 2) as mrr
from customer_months cm
left join month_rates r
  on cm.currency = r.currency and cm.date_month = r.date_month
group by all;
