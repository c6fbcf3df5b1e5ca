-- one row per experiment × metric × non-control variant: the variant against
-- the control on a ratio metric with the stream as the unit (docs/statistics.md).
--   streams, numerator, denominator, value   the variant's k, ΣM, ΣD, ΣM/ΣD
--   control_streams, control_value          the same for the control
--   lift_abs, lift_rel        value − control_value, value / control_value − 1
--   ci_low, ci_high           Welch-t interval for lift_rel at level alpha
--   p_value                   Welch-t p-value of lift_rel (delta method)
--   p_value_adjusted          Holm across the experiment's metrics × variants
--   significant               p_value_adjusted < alpha
--   p_value_permutation       exact randomisation p when both arms have ≤ 10 streams
--   fieller_low, fieller_high Fieller interval for lift_rel (NULL when unbounded)
--   cs_low, cs_high, cs_p     always-valid confidence sequence, tuned to the planned
--                             streams of these two arms, else their current streams
--   mde_rel                   relative lift detectable at 80 % power now
--   streams_needed            streams per arm to detect target_lift_rel at 80 % power
--   power                     power to detect target_lift_rel with the current streams
--   srm_p                     exact binomial p of the two arms' stream counts vs 1:1
--   reason                    the statistics' reason code when there is no result
--   warning                   everything a reader should know, in plain words, "; "-separated:
--                             the reason, left-out streams, set-up, SRM, balance
with

arms as (
    select * from int_experiment_arms
),

setup as (
    select * from int_experiment_setup
),

balance as (
    select * from experiment_balance
),

comparisons as (
    select
        setup.experiment_id,
        setup.tested_variable,
        variant.metric,
        variant.metric_order,
        variant.variant,
        setup.control,
        setup.alpha,
        setup.primary_metric,
        setup.arms as arm_count,
        setup.planned_streams,
        variant.numerator_name,
        variant.denominator_name,
        control.streams as a_k, control.sum_m as a_m, control.sum_d as a_d,
        control.sum_m2 as a_m2, control.sum_d2 as a_d2, control.sum_md as a_md,
        variant.streams as b_k, variant.sum_m as b_m, variant.sum_d as b_d,
        variant.sum_m2 as b_m2, variant.sum_d2 as b_d2, variant.sum_md as b_md,
        control.numerators as a_ms, control.denominators as a_ds,
        variant.numerators as b_ms, variant.denominators as b_ds,
        control.value as control_value,
        variant.value,
        control.streams_left_out as control_left_out,
        variant.streams_left_out as variant_left_out
    from arms as variant
    inner join setup on setup.experiment_id = variant.experiment_id
    inner join arms as control
        on control.experiment_id = variant.experiment_id
        and control.metric = variant.metric
        and control.is_control
    where not variant.is_control
),

tests as (
    select
        *,
        0.10 as target_lift_rel,
        0.80 as target_power,
        ratio_reason(a_k, a_m, a_d, a_m2, a_d2, a_md, b_k, b_m, b_d, b_m2, b_d2, b_md) as reason,
        ratio_lift_abs(a_k, a_m, a_d, a_m2, a_d2, a_md, b_k, b_m, b_d, b_m2, b_d2, b_md) as lift_abs,
        ratio_lift_rel(a_k, a_m, a_d, a_m2, a_d2, a_md, b_k, b_m, b_d, b_m2, b_d2, b_md) as lift_rel,
        ratio_lift_se(a_k, a_m, a_d, a_m2, a_d2, a_md, b_k, b_m, b_d, b_m2, b_d2, b_md) as lift_rel_se,
        ratio_df(a_k, a_m, a_d, a_m2, a_d2, a_md, b_k, b_m, b_d, b_m2, b_d2, b_md) as df,
        ratio_lift_ci_low(a_k, a_m, a_d, a_m2, a_d2, a_md, b_k, b_m, b_d, b_m2, b_d2, b_md, alpha) as ci_low,
        ratio_lift_ci_high(a_k, a_m, a_d, a_m2, a_d2, a_md, b_k, b_m, b_d, b_m2, b_d2, b_md, alpha) as ci_high,
        ratio_lift_p(a_k, a_m, a_d, a_m2, a_d2, a_md, b_k, b_m, b_d, b_m2, b_d2, b_md) as p_value,
        ratio_lift_abs_ci_low(a_k, a_m, a_d, a_m2, a_d2, a_md, b_k, b_m, b_d, b_m2, b_d2, b_md, alpha) as lift_abs_ci_low,
        ratio_lift_abs_ci_high(a_k, a_m, a_d, a_m2, a_d2, a_md, b_k, b_m, b_d, b_m2, b_d2, b_md, alpha) as lift_abs_ci_high,
        ratio_fieller_low(a_k, a_m, a_d, a_m2, a_d2, a_md, b_k, b_m, b_d, b_m2, b_d2, b_md, alpha) as fieller_low,
        ratio_fieller_high(a_k, a_m, a_d, a_m2, a_d2, a_md, b_k, b_m, b_d, b_m2, b_d2, b_md, alpha) as fieller_high,
        case when a_k <= 10 and b_k <= 10 then ratio_permutation_p(a_ms, a_ds, b_ms, b_ds) end as p_value_permutation,
        coalesce(round(planned_streams * 2.0 / arm_count), a_k + b_k) as cs_n_star,
        srm_p(a_k + control_left_out, b_k + variant_left_out, 1, 1) as srm_p
    from comparisons
),

planning as (
    select
        *,
        ratio_cs_low(a_k, a_m, a_d, a_m2, a_d2, a_md, b_k, b_m, b_d, b_m2, b_d2, b_md, cs_n_star, alpha) as cs_low,
        ratio_cs_high(a_k, a_m, a_d, a_m2, a_d2, a_md, b_k, b_m, b_d, b_m2, b_d2, b_md, cs_n_star, alpha) as cs_high,
        ratio_cs_p(a_k, a_m, a_d, a_m2, a_d2, a_md, b_k, b_m, b_d, b_m2, b_d2, b_md, cs_n_star, alpha) as cs_p,
        ratio_mde_rel(a_k, a_m, a_d, a_m2, a_d2, a_md, b_k, b_m, b_d, b_m2, b_d2, b_md, alpha, target_power) as mde_rel,
        cast(ratio_streams_needed(a_k, a_m, a_d, a_m2, a_d2, a_md, b_k, b_m, b_d, b_m2, b_d2, b_md,
            target_lift_rel, alpha, target_power) as bigint) as streams_needed,
        ratio_power(a_k, a_m, a_d, a_m2, a_d2, a_md, b_k, b_m, b_d, b_m2, b_d2, b_md, target_lift_rel, alpha) as power
    from tests
),

adjusted as (
    select
        *,
        p_adjust_holm(p_value, list(p_value) over (partition by experiment_id)) as p_value_adjusted,
        p_adjust_bh(p_value, list(p_value) over (partition by experiment_id)) as p_value_bh
    from planning
),

reason_words as (
    select
        *,
        case reason
            when 'too_few_streams' then 'too_few_streams: '
                || case when a_k < 2 then control else variant end || ' has '
                || least(a_k, b_k) || ' stream' || case when least(a_k, b_k) = 1 then '' else 's' end
                || ' with ' || denominator_name || ', at least 2 per arm are needed'
            when 'zero_denominator' then 'zero_denominator: '
                || case when a_d = 0 then control else variant end || ' has no ' || denominator_name
            when 'zero_variance' then 'zero_variance: every stream of both arms has the same '
                || metric || ', so there is no variation to test against'
            when 'zero_baseline' then 'zero_baseline: ' || control || ' has ' || metric
                || ' 0, so a relative lift is undefined'
            else reason
        end as reason_text,
        case when control_left_out + variant_left_out > 0 then
            (control_left_out + variant_left_out) || ' stream'
            || case when control_left_out + variant_left_out = 1 then '' else 's' end
            || ' without ' || denominator_name || ' left out of ' || metric
        end as left_out_text,
        case when srm_p < 0.001 then
            'sample ratio mismatch: ' || control || ' has ' || (a_k + control_left_out) || ' streams, '
            || variant || ' ' || (b_k + variant_left_out) || ' (p = ' || printf('%.4f', srm_p)
            || ' against an even split); check for dropped or relabelled streams'
        end as srm_text
    from adjusted
),

balance_warnings as (
    select
        experiment_id,
        string_agg(warning, '; ' order by dimension_order) as balance_text
    from balance
    where warning is not null
    group by experiment_id
),

experiment_results as (
    select
        reason_words.experiment_id,
        reason_words.tested_variable,
        reason_words.metric,
        reason_words.variant,
        reason_words.control,
        reason_words.b_k as streams,
        reason_words.b_m as numerator,
        reason_words.b_d as denominator,
        reason_words.value,
        reason_words.lift_abs,
        reason_words.lift_rel,
        reason_words.ci_low,
        reason_words.ci_high,
        reason_words.p_value,
        reason_words.p_value_adjusted,
        reason_words.p_value_adjusted < reason_words.alpha as significant,
        'ratio_delta_welch_t' as method,
        reason_words.mde_rel,
        reason_words.streams_needed,
        nullif(concat_ws('; ',
            reason_words.reason_text,
            reason_words.left_out_text,
            setup.setup_warning,
            reason_words.srm_text,
            balance_warnings.balance_text
        ), '') as warning,
        reason_words.a_k as control_streams,
        reason_words.a_m as control_numerator,
        reason_words.a_d as control_denominator,
        reason_words.control_value,
        reason_words.metric = reason_words.primary_metric as is_primary,
        reason_words.alpha,
        reason_words.reason,
        reason_words.lift_rel_se,
        reason_words.df,
        reason_words.lift_abs_ci_low,
        reason_words.lift_abs_ci_high,
        reason_words.p_value_permutation,
        reason_words.p_value_bh,
        reason_words.fieller_low,
        reason_words.fieller_high,
        reason_words.cs_n_star,
        reason_words.cs_low,
        reason_words.cs_high,
        reason_words.cs_p,
        reason_words.target_lift_rel,
        reason_words.power,
        reason_words.srm_p
    from reason_words
    inner join setup on setup.experiment_id = reason_words.experiment_id
    left join balance_warnings on balance_warnings.experiment_id = reason_words.experiment_id
    order by reason_words.experiment_id, reason_words.metric_order, reason_words.variant
)

select * from experiment_results
