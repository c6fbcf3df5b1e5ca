-- one row per experiment × metric × non-control variant: the variant against
-- the control on a ratio metric with the stream as the unit (docs/statistics.md).
-- The streams of both arms (int_experiment_units) go to experiment_compare,
-- one call per comparison, whose named fields fill the columns below.
--   streams, numerator, denominator, value   the variant's k, ΣM, ΣD, ΣM/ΣD
--   control_streams, control_value          the same for the control
--   lift_abs                  value − control_value
--   lift_rel                  the estimated relative lift of the method: e^log_ratio − 1
--   ci_low, ci_high           1 − alpha interval for lift_rel, the randomisation test
--                             inverted under a multiplicative effect (never below −100 %;
--                             when the design cannot bound it, ci_low −1 and ci_high NULL)
--   p_value                   two-sided randomisation p-value of the studentised log ratio
--   p_value_adjusted          Holm across the experiment's comparisons that have a p-value
--   significant               p_value_adjusted < alpha
--   method                    randomisation_log_ratio, …_host_blocked or …_cuped
--   mde_rel, power            relative lift detectable at 80 % power now; power to detect
--                             target_lift_rel, both for the log-ratio test that was run
--   streams_needed            streams per arm to detect target_lift_rel at 80 % power,
--                             streams_needed_low … _high its range (the variance rests on df)
--   welch_p_value, welch_ci_low, welch_ci_high   delta-method Welch t on R_B/R_A − 1
--   fieller_low, fieller_high Fieller interval with the t critical value at welch_df
--   srm_p                     exact p of all arms' stream counts against the allocation
--                             (NULL for a planned experiment: plan adherence replaces it)
--   warnings                  everything a reader should know, one plain sentence each;
--                             warning joins them with "; "
-- The decision in plain words (experiment_decide; docs/statistics.md § The decision
-- in plain words): a normal prior on the log lift, learned from the comparisons of
-- the same metric in experiments whose first stream came earlier (empirical Bayes),
-- or N(0, decision.prior_sd²) while fewer than decision.prior_min_experiments exist.
--   chance_to_beat_control    P(variant's value > control's | data)
--   expected_loss_variant_rel, expected_loss_control_rel   expected loss of switching
--                             to the variant / keeping the control, relative to
--                             control_value: E[max(0, 1 − θ)], E[max(0, θ − 1)]
--   expected_loss_variant, expected_loss_control   the same × control_value: in the
--                             metric's units per denominator unit (money per viewer for
--                             rpv, per order for aov)
--   expected_loss_variant_per_stream, expected_loss_control_per_stream   × the comparison's
--                             mean denominator per stream: in the numerator's units per
--                             stream (money for rpv and aov, orders, clicks)
--   posterior_lift_rel, credible_low, credible_high   posterior mean of θ − 1 and its
--                             1 − alpha credible interval (never below −100 %)
--   prior_source              empirical or default; prior_mean, prior_sd on the log lift;
--                             prior_experiments the earlier experiments it rests on
--   likelihood_se             the spread of log_ratio the decision uses: what ci_low … ci_high
--                             imply, (log(1 + ci_high) − log(1 + ci_low)) / 2z; NULL when the
--                             interval is open (the decision is then the prior's)
with

units as (
    select * from int_experiment_units
),

setup as (
    select * from int_experiment_setup
),

balance as (
    select * from experiment_balance
),

allocation as (
    select * from experiment_allocation
),

plan_adherence as (
    select * from experiment_plan_adherence
),

arm_stats as (
    select
        experiment_id,
        metric,
        min(metric_order) as metric_order,
        min(numerator_name) as numerator_name,
        min(denominator_name) as denominator_name,
        variant,
        bool_or(is_control) as is_control,
        count(*) filter (where numerator is not null and denominator is not null) as streams,
        count(*) filter (where numerator is null or denominator is null) as streams_left_out,
        coalesce(sum(numerator) filter (where denominator is not null), 0) as sum_m,
        coalesce(sum(denominator) filter (where numerator is not null), 0) as sum_d,
        min(numerator / nullif(denominator, 0)) as min_ratio,
        max(numerator / nullif(denominator, 0)) as max_ratio
    from units
    group by experiment_id, metric, variant
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
        -- the planning target: the plan's minimum effect, else +10 %, at 80 %
        -- power (docs/statistics.md § Power)
        coalesce(setup.min_effect, 0.10) as target_lift_rel,
        0.80 as target_power,
        setup.primary_metric,
        setup.planned_streams,
        setup.arms as arm_count,
        setup.setup_warning,
        setup.has_plan,
        variant.numerator_name,
        variant.denominator_name,
        control.streams as a_k, control.sum_m as a_m, control.sum_d as a_d,
        variant.streams as b_k, variant.sum_m as b_m, variant.sum_d as b_d,
        case when control.sum_d > 0 then control.sum_m / control.sum_d end as control_value,
        case when variant.sum_d > 0 then variant.sum_m / variant.sum_d end as value,
        control.min_ratio = control.max_ratio and variant.min_ratio = variant.max_ratio as arms_constant,
        control.streams_left_out as control_left_out,
        variant.streams_left_out as variant_left_out
    from arm_stats as variant
    inner join setup on setup.experiment_id = variant.experiment_id
    inner join arm_stats as control
        on control.experiment_id = variant.experiment_id
        and control.metric = variant.metric
        and control.is_control
    where not variant.is_control
),

comparison_units as (
    select
        comparisons.experiment_id,
        comparisons.metric,
        comparisons.variant,
        list({
            'is_variant': units.variant = comparisons.variant,
            'host': units.block,
            'planned': units.is_planned,
            'numerator': units.numerator,
            'denominator': units.denominator,
            'pre_numerator': coalesce(units.pre_numerator, 0),
            'pre_denominator': coalesce(units.pre_denominator, 0)
        } order by units.variant, units.stream_id) as stream_units
    from comparisons
    inner join units
        on units.experiment_id = comparisons.experiment_id
        and units.metric = comparisons.metric
        and units.variant in (comparisons.variant, comparisons.control)
        and units.numerator is not null
        and units.denominator is not null
    group by comparisons.experiment_id, comparisons.metric, comparisons.variant
),

analysed as materialized (
    select
        comparisons.*,
        -- no usable stream in an arm: no call (NULL in, NULL out), too_few_streams below
        experiment_compare(
            comparison_units.stream_units, comparisons.alpha, comparisons.target_lift_rel, comparisons.target_power
        ) as r
    from comparisons
    left join comparison_units
        on comparison_units.experiment_id = comparisons.experiment_id
        and comparison_units.metric = comparisons.metric
        and comparison_units.variant = comparisons.variant
),

tests as (
    select
        * exclude (r),
        case when r is null then 'too_few_streams' else r.reason end as reason,
        r.method,
        r.blocks,
        r.streams_used,
        r.lift_rel,
        r.lift_rel_unadjusted,
        r.log_ratio,
        r.log_ratio_se,
        r.statistic,
        r.df,
        r.p_value,
        r.p_value_exact,
        r.assignments,
        r.p_value_mcse,
        r.ci_low,
        r.ci_high,
        r.variance_reduction,
        r.lift_abs,
        r.lift_abs_ci_low,
        r.lift_abs_ci_high,
        r.welch_lift_rel_se,
        r.welch_df,
        r.welch_p_value,
        r.welch_ci_low,
        r.welch_ci_high,
        r.fieller_low,
        r.fieller_high,
        r.power,
        r.mde_rel,
        r.streams_needed,
        r.streams_needed_low,
        r.streams_needed_high
    from analysed
),

adjusted as (
    select
        *,
        p_adjust_holm(p_value, list(p_value) over (partition by experiment_id)) as p_value_adjusted,
        p_adjust_bh(p_value, list(p_value) over (partition by experiment_id)) as p_value_bh,
        count(p_value) over (partition by experiment_id) as family_size
    from tests
),

-- the sample-ratio check of each experiment: every arm's streams against
-- experiments.<id>.allocation (an even split when it names none)
arm_counts as (
    select
        units.experiment_id,
        units.variant,
        count(distinct units.stream_id) as streams,
        min(allocation.weight) as weight,
        bool_or(allocation.experiment_id is null)
            and exists (select 1 from allocation as a where a.experiment_id = units.experiment_id) as unplanned
    from units
    left join allocation
        on allocation.experiment_id = units.experiment_id
        and allocation.variant = units.variant
    group by units.experiment_id, units.variant
),

srm as (
    select
        experiment_id,
        case when not bool_or(unplanned) and count(*) >= 2 then
            srm_exact_p(
                list(cast(streams as double) order by variant),
                list(coalesce(weight, 1.0) order by variant)
            )
        end as srm_p,
        string_agg(variant || ' ' || streams, ', ' order by variant) as arm_text,
        bool_or(weight is not null) as has_allocation,
        string_agg(case when unplanned then variant end, ', ' order by variant) as unplanned_text
    from arm_counts
    group by experiment_id
),

-- plan adherence replaces the sample-ratio check of a planned experiment:
-- how many planned streams ran as planned, and each kind of deviation (no
-- "; " inside a warning: warning joins them with it, and readers split there)
adherence_counts as (
    select
        experiment_id,
        sum(planned_streams) as planned,
        sum(ran_as_planned + to_come) as kept,
        sum(other_variant) as other_variant,
        sum(missing) as missing,
        sum(extra) as extra,
        sum(to_come) as to_come
    from plan_adherence
    group by experiment_id
),

adherence as (
    select
        setup.experiment_id,
        case when setup.has_plan then
            'plan adherence: ' || counts.kept
            || ' of ' || counts.planned || ' planned streams ran as planned or are still to come'
            || case when counts.other_variant > 0 then ', ' || counts.other_variant
                || ' ran with another variant (analysed with the planned one: intention to treat)' else '' end
            || case when counts.missing > 0 then ', ' || counts.missing
                || ' missing (left out)' else '' end
            || case when counts.extra > 0 then ', ' || counts.extra
                || ' extra not in the plan (left out)' else '' end
        end as adherence_text,
        case when setup.has_plan and counts.to_come > 0 then
            'interim: ' || counts.to_come || ' of the ' || counts.planned
            || ' planned streams are still to come, so the p-value is valid only when read once, at the plan'
        end as plan_interim_text,
        case when setup.is_plan_edited then
            'plan edited after registration: plans/' || setup.experiment_id
            || '.json no longer has the SHA-256 recorded when it was planned'
        end as plan_edited_text
    from setup
    left join adherence_counts as counts on counts.experiment_id = setup.experiment_id
),

reason_words as (
    select
        adjusted.*,
        case when not adjusted.has_plan then srm.srm_p end as srm_p,
        adherence.adherence_text,
        adherence.plan_edited_text,
        case adjusted.reason
            when 'too_few_streams' then 'too_few_streams: '
                || case when a_k < 2 then control else variant end || ' has '
                || least(a_k, b_k) || ' stream' || case when least(a_k, b_k) = 1 then '' else 's' end
                || ' with ' || denominator_name || ', at least 2 per arm are needed'
            when 'zero_denominator' then 'zero_denominator: '
                || case when a_d = 0 then control else variant end || ' has no ' || denominator_name
            when 'zero_variance' then 'zero_variance: '
                || case
                    when arms_constant and control_value = value then 'every stream of both arms has the same '
                        || metric || ', so there is no variation to test against'
                    when arms_constant then 'each arm''s streams all have the same ' || metric || ' ('
                        || control || ' ' || printf('%.4g', control_value) || ', ' || variant || ' '
                        || printf('%.4g', value) || '), so there is no variation within the arms to judge the difference by'
                    else 'the streams that can be compared do not vary in ' || metric
                        || ', so there is no variation to test against'
                end
            when 'zero_baseline' then 'zero_baseline: ' || control || ' has ' || metric
                || ' 0, so a relative lift is undefined'
            when 'zero_numerator' then 'zero_numerator: ' || variant || ' has no ' || numerator_name
                || ' at all (' || metric || ' 0 against ' || printf('%.4g', control_value)
                || '), so there is no interval for a relative lift'
            else adjusted.reason
        end as reason_text,
        case when control_left_out + variant_left_out > 0 then
            (control_left_out + variant_left_out) || ' stream'
            || case when control_left_out + variant_left_out = 1 then '' else 's' end
            || ' without ' || denominator_name || ' left out of ' || metric
        end as left_out_text,
        case
            when adjusted.has_plan then null
            when srm.unplanned_text is not null then 'the allocation in postlive.yaml names no weight for '
                || srm.unplanned_text || ', so the sample ratio is not checked'
            when srm.srm_p < 0.001 then
                'sample ratio mismatch: the arms have ' || srm.arm_text || ' streams (p = '
                || printf('%.4f', srm.srm_p) || ' against '
                || case when srm.has_allocation then 'the allocation in postlive.yaml' else 'an even split' end
                || '), check for dropped or relabelled streams'
        end as srm_text,
        case when adjusted.method = 'randomisation_log_ratio_host_blocked' and adjusted.has_plan then
            'compared within the plan''s blocks: ' || adjusted.blocks || case when adjusted.blocks = 1 then ' block' else ' blocks' end
            || ' with streams in both arms'
            || case when adjusted.streams_used < a_k + b_k then ' (' || adjusted.streams_used || ' of ' || (a_k + b_k)
                || ' ' || metric || ' streams: a block with one arm only is left out of the comparison)' else '' end
        when adjusted.method = 'randomisation_log_ratio_host_blocked' then
            'compared within host: ' || adjusted.blocks || case when adjusted.blocks = 1 then ' host' else ' hosts' end
            || ' streamed in both arms'
            || case when adjusted.streams_used < a_k + b_k then ' (' || adjusted.streams_used || ' of ' || (a_k + b_k)
                || ' ' || metric || ' streams; the other hosts'' streams are left out of the comparison)' else '' end
        end as method_text,
        case when adjusted.has_plan and adjusted.p_value is not null then adherence.plan_interim_text
        when adjusted.planned_streams is not null and adjusted.p_value is not null
            and a_k + b_k < round(adjusted.planned_streams * 2.0 / adjusted.arm_count) then
            'interim: ' || (a_k + b_k) || ' of the ' || cast(round(adjusted.planned_streams * 2.0 / adjusted.arm_count) as bigint)
            || ' planned streams of these arms; the p-value is valid only when read once, at the plan'
        end as interim_text
    from adjusted
    left join srm on srm.experiment_id = adjusted.experiment_id
    left join adherence on adherence.experiment_id = adjusted.experiment_id
),

balance_warnings as (
    select
        experiment_id,
        list(warning order by dimension_order) as balance_list
    from balance
    where warning is not null
    group by experiment_id
),

warning_lists as (
    select
        reason_words.*,
        list_filter(
            [plan_edited_text, reason_text, interim_text, method_text, left_out_text, setup_warning, srm_text, adherence_text]
                || coalesce(balance_warnings.balance_list, []),
            w -> w is not null
        ) as warnings
    from reason_words
    left join balance_warnings on balance_warnings.experiment_id = reason_words.experiment_id
),

-- when each experiment began: the prior of an experiment learns from those
-- that began before it, so a later experiment never changes an earlier verdict
experiment_starts as (
    select
        experiment_id,
        min(started_at) as started_at
    from int_experiment_streams
    group by experiment_id
),

decision_setting as (
    select * from decision_settings
),

estimates as (
    select
        tests.experiment_id,
        tests.metric,
        tests.variant,
        tests.log_ratio,
        tests.ci_low,
        tests.ci_high,
        tests.alpha,
        experiment_starts.started_at
    from tests
    inner join experiment_starts on experiment_starts.experiment_id = tests.experiment_id
),

earlier_estimates as (
    select
        this.experiment_id,
        this.metric,
        this.variant,
        list({
            'experiment_id': earlier.experiment_id,
            'log_ratio': earlier.log_ratio,
            'ci_low': earlier.ci_low,
            'ci_high': earlier.ci_high,
            'alpha': earlier.alpha
        } order by earlier.experiment_id, earlier.variant) filter (where earlier.experiment_id is not null) as earlier
    from estimates as this
    left join estimates as earlier
        on earlier.metric = this.metric
        and earlier.started_at < this.started_at
        and earlier.log_ratio is not null
        and earlier.ci_low > -1
        and earlier.ci_high is not null
    group by this.experiment_id, this.metric, this.variant
),

decided as (
    select
        tests.experiment_id,
        tests.metric,
        tests.variant,
        (tests.a_d + tests.b_d) / (tests.a_k + tests.b_k) as denominator_per_stream,
        experiment_decide(
            -- an interval open above (ci_high NULL) bounds nothing: +Inf
            tests.log_ratio, tests.ci_low, coalesce(tests.ci_high, cast('infinity' as double)),
            coalesce(earlier_estimates.earlier, []), tests.alpha,
            decision_setting.prior_sd, decision_setting.prior_min_experiments
        ) as d
    from tests
    cross join decision_setting
    left join earlier_estimates
        on earlier_estimates.experiment_id = tests.experiment_id
        and earlier_estimates.metric = tests.metric
        and earlier_estimates.variant = tests.variant
),

-- keyed by decision_* names, so that the columns of experiment_results below
-- stay unambiguous
decisions as (
    select
        experiment_id as decision_experiment_id,
        metric as decision_metric,
        variant as decision_variant,
        d.chance_to_beat_control,
        d.loss_variant_rel as expected_loss_variant_rel,
        d.loss_control_rel as expected_loss_control_rel,
        d.posterior_lift_rel,
        d.credible_low,
        d.credible_high,
        d.prior_source,
        d.prior_mean,
        d.prior_sd,
        d.prior_experiments,
        d.likelihood_se,
        denominator_per_stream
    from decided
),

experiment_results as (
    select
        experiment_id,
        tested_variable,
        metric,
        variant,
        control,
        b_k as streams,
        b_m as numerator,
        b_d as denominator,
        value,
        lift_abs,
        lift_rel,
        ci_low,
        ci_high,
        p_value,
        p_value_adjusted,
        p_value_adjusted < alpha as significant,
        method,
        mde_rel,
        streams_needed,
        nullif(array_to_string(warnings, '; '), '') as warning,
        a_k as control_streams,
        a_m as control_numerator,
        a_d as control_denominator,
        control_value,
        metric = primary_metric as is_primary,
        alpha,
        reason,
        welch_lift_rel_se as lift_rel_se,
        welch_df as df,
        lift_abs_ci_low,
        lift_abs_ci_high,
        p_value_bh,
        p_value as p_value_permutation,
        fieller_low,
        fieller_high,
        target_lift_rel,
        power,
        srm_p,
        welch_p_value,
        welch_ci_low,
        welch_ci_high,
        lift_rel_unadjusted,
        log_ratio,
        log_ratio_se,
        statistic,
        df as log_ratio_df,
        p_value_exact,
        assignments,
        p_value_mcse,
        blocks,
        streams_used,
        variance_reduction,
        streams_needed_low,
        streams_needed_high,
        family_size,
        warnings,
        decisions.chance_to_beat_control,
        decisions.expected_loss_variant_rel * control_value as expected_loss_variant,
        decisions.expected_loss_control_rel * control_value as expected_loss_control,
        decisions.expected_loss_variant_rel * control_value * decisions.denominator_per_stream
            as expected_loss_variant_per_stream,
        decisions.expected_loss_control_rel * control_value * decisions.denominator_per_stream
            as expected_loss_control_per_stream,
        decisions.expected_loss_variant_rel,
        decisions.expected_loss_control_rel,
        decisions.posterior_lift_rel,
        decisions.credible_low,
        decisions.credible_high,
        decisions.prior_source,
        decisions.prior_mean,
        decisions.prior_sd,
        decisions.prior_experiments,
        decisions.likelihood_se
    from warning_lists
    left join decisions
        on decisions.decision_experiment_id = warning_lists.experiment_id
        and decisions.decision_metric = warning_lists.metric
        and decisions.decision_variant = warning_lists.variant
    order by experiment_id, metric_order, variant
)

select * from experiment_results
