-- one row per experiment × dimension (platform, affiliate, weekday, start_hour,
-- duration, tier): do the arms differ in something other than the tested
-- variable?
--   arms         each arm's streams on the dimension, e.g.
--                "20off: tiktok 2, instagram 1 | 30off: instagram 2, tiktok 1"
--   imbalance    platform, affiliate, tier (influencer tier, docs/metrics.md):
--                the largest difference between arms in
--                the share of streams on one value (0 = same mix, 1 = no
--                overlap); weekday: the same for weekend vs weekday; start_hour:
--                the same for the daypart (night 22–4 h, morning 5–11 h,
--                afternoon 12–16 h, evening 17–21 h, in the stream's own time
--                zone); duration: longest arm mean / shortest arm mean − 1
--   is_tested_variable  the dimension is what the experiment tests, so a
--                difference is intended and not warned about
--   warning      plain words when imbalance ≥ 0.5 (duration: ≥ 0.25 and at
--                least 5 minutes), else NULL
with

streams as (
    select * from int_experiment_streams
),

setup as (
    select * from int_experiment_setup
),

dimensions as (
    select * from (values
        (1, 'platform', 'ran on ', 'ran on '),
        (2, 'affiliate', 'were hosted by ', 'was hosted by '),
        (3, 'weekday', 'ran on ', 'ran on '),
        (4, 'start_hour', 'started in the ', 'started in the '),
        (5, 'duration', '', ''),
        (6, 'tier', 'were hosted by ', 'was hosted by ')
    ) as dimensions (dimension_order, dimension, verb_plural, verb_singular)
),

-- tested_variable names (lower case, spaces as _) that mean a dimension
tested_names as (
    select * from (values
        ('platform', 'platform'), ('platform', 'channel'),
        ('affiliate', 'affiliate'), ('affiliate', 'affiliate_id'), ('affiliate', 'host'),
        ('weekday', 'weekday'), ('weekday', 'day_of_week'), ('weekday', 'streaming_day'),
        ('weekday', 'weekend'), ('weekday', 'streaming_time'),
        ('start_hour', 'start_hour'), ('start_hour', 'start_time'), ('start_hour', 'time_of_day'),
        ('start_hour', 'daypart'), ('start_hour', 'streaming_time'), ('start_hour', 'hour'),
        ('duration', 'duration'), ('duration', 'stream_length'), ('duration', 'length'),
        ('duration', 'duration_min'),
        ('tier', 'tier'), ('tier', 'influencer_tier'), ('tier', 'follower_tier'), ('tier', 'followers'),
        ('tier', 'audience_size')
    ) as tested_names (dimension, tested_variable)
),

arm_sizes as (
    select experiment_id, variant, count(*) as arm_streams
    from streams
    group by experiment_id, variant
),

stream_levels as (
    select experiment_id, variant, 'platform' as dimension, coalesce(platform, 'no platform') as level from streams
    union all
    select experiment_id, variant, 'affiliate' as dimension, coalesce(affiliate_id, 'no affiliate') as level from streams
    union all
    select experiment_id, variant, 'weekday' as dimension, case when is_weekend then 'weekends' else 'weekdays' end as level from streams
    union all
    select experiment_id, variant, 'start_hour' as dimension, daypart as level from streams
    union all
    select experiment_id, variant, 'tier' as dimension, coalesce(tier || ' hosts', 'hosts of unknown tier') as level from streams
),

level_counts as (
    select experiment_id, variant, dimension, level, count(*) as level_streams
    from stream_levels
    group by experiment_id, variant, dimension, level
),

level_grid as (
    select
        levels.experiment_id,
        levels.dimension,
        levels.level,
        arm_sizes.variant,
        arm_sizes.arm_streams,
        coalesce(level_counts.level_streams, 0) as level_streams,
        coalesce(level_counts.level_streams, 0) / arm_sizes.arm_streams as share
    from (select distinct experiment_id, dimension, level from level_counts) as levels
    inner join arm_sizes on arm_sizes.experiment_id = levels.experiment_id
    left join level_counts
        on level_counts.experiment_id = levels.experiment_id
        and level_counts.dimension = levels.dimension
        and level_counts.level = levels.level
        and level_counts.variant = arm_sizes.variant
),

level_gaps as (
    select
        experiment_id,
        dimension,
        level,
        max(share) - min(share) as gap,
        sum(level_streams) as level_streams
    from level_grid
    group by experiment_id, dimension, level
),

-- the value whose share differs most between arms; of equals, the rarer one
-- ("ran on weekends" rather than "ran on weekdays")
widest_levels as (
    select *
    from level_gaps
    qualify row_number() over (
        partition by experiment_id, dimension order by gap desc, level_streams, level = 'weekdays', level
    ) = 1
),

ranked_arms as (
    select
        level_grid.*,
        row_number() over (
            partition by level_grid.experiment_id, level_grid.dimension, level_grid.level
            order by level_grid.share desc, level_grid.variant = setup.control desc, level_grid.variant
        ) as arm_rank
    from level_grid
    inner join setup on setup.experiment_id = level_grid.experiment_id
),

-- each arm on the widest level, most exposed arm first: "all 30off streams
-- ran on weekends, 1 of 4 20off streams did"
level_phrases as (
    select
        ranked_arms.experiment_id,
        ranked_arms.dimension,
        widest_levels.gap as imbalance,
        string_agg(
            case
                when ranked_arms.level_streams = ranked_arms.arm_streams then 'all ' || ranked_arms.variant || ' streams '
                when ranked_arms.level_streams = 0 then 'no ' || ranked_arms.variant || ' stream '
                else ranked_arms.level_streams || ' of ' || ranked_arms.arm_streams || ' ' || ranked_arms.variant || ' streams '
            end
            || case
                when ranked_arms.arm_rank > 1 then 'did'
                when ranked_arms.level_streams = 0 then dimensions.verb_singular || ranked_arms.level
                else dimensions.verb_plural || ranked_arms.level
            end,
            ', ' order by ranked_arms.arm_rank
        ) as level_text
    from ranked_arms
    inner join widest_levels
        on widest_levels.experiment_id = ranked_arms.experiment_id
        and widest_levels.dimension = ranked_arms.dimension
        and widest_levels.level = ranked_arms.level
    inner join dimensions on dimensions.dimension = ranked_arms.dimension
    group by ranked_arms.experiment_id, ranked_arms.dimension, widest_levels.gap
),

arm_mixes as (
    select
        experiment_id,
        dimension,
        variant,
        string_agg(level || ' ' || level_streams, ', ' order by level_streams desc, level) as mix
    from level_grid
    where level_streams > 0
    group by experiment_id, dimension, variant
),

categorical_balance as (
    select
        level_phrases.experiment_id,
        level_phrases.dimension,
        string_agg(arm_mixes.variant || ': ' || arm_mixes.mix, ' | '
            order by arm_mixes.variant = setup.control desc, arm_mixes.variant) as arms,
        level_phrases.imbalance,
        case when level_phrases.imbalance >= 0.5 then level_phrases.level_text end as imbalance_text
    from level_phrases
    inner join arm_mixes
        on arm_mixes.experiment_id = level_phrases.experiment_id
        and arm_mixes.dimension = level_phrases.dimension
    inner join setup on setup.experiment_id = level_phrases.experiment_id
    group by level_phrases.experiment_id, level_phrases.dimension, level_phrases.imbalance, level_phrases.level_text
),

arm_durations as (
    select
        experiment_id,
        variant,
        avg(duration_min) as mean_duration_min
    from streams
    group by experiment_id, variant
),

duration_spread as (
    select
        arm_durations.experiment_id,
        max(mean_duration_min) as longest,
        min(mean_duration_min) as shortest,
        string_agg(arm_durations.variant || ': ' || cast(round(mean_duration_min) as bigint) || ' min', ' | '
            order by arm_durations.variant = setup.control desc, arm_durations.variant) as arms,
        string_agg(
            case
                when arm_durations.variant = arg_max_variant
                    then arm_durations.variant || ' streams ran ' || cast(round(mean_duration_min) as bigint) || ' min on average'
                else arm_durations.variant || ' ' || cast(round(mean_duration_min) as bigint) || ' min'
            end,
            ', ' order by mean_duration_min desc, arm_durations.variant
        ) as duration_text
    from (
        select *, max_by(variant, mean_duration_min) over (partition by experiment_id) as arg_max_variant
        from arm_durations
    ) as arm_durations
    inner join setup on setup.experiment_id = arm_durations.experiment_id
    group by arm_durations.experiment_id
),

duration_balance as (
    select
        experiment_id,
        'duration' as dimension,
        arms,
        case when shortest > 0 then longest / shortest - 1 end as imbalance,
        case
            when (shortest = 0 and longest >= 5)
                or (shortest > 0 and longest / shortest - 1 >= 0.25 and longest - shortest >= 5)
                then duration_text
        end as imbalance_text
    from duration_spread
),

all_dimensions as (
    select experiment_id, dimension, arms, imbalance, imbalance_text from categorical_balance
    union all
    select experiment_id, dimension, arms, imbalance, imbalance_text from duration_balance
),

experiment_balance as (
    select
        all_dimensions.experiment_id,
        dimensions.dimension_order,
        all_dimensions.dimension,
        setup.tested_variable,
        setup.control,
        setup.arms as arm_count,
        all_dimensions.arms,
        all_dimensions.imbalance,
        tested_names.dimension is not null as is_tested_variable,
        case
            when setup.arms >= 2 and tested_names.dimension is null then all_dimensions.imbalance_text
        end as warning
    from all_dimensions
    inner join setup on setup.experiment_id = all_dimensions.experiment_id
    inner join dimensions on dimensions.dimension = all_dimensions.dimension
    left join tested_names
        on tested_names.dimension = all_dimensions.dimension
        and tested_names.tested_variable = replace(lower(trim(setup.tested_variable)), ' ', '_')
    order by all_dimensions.experiment_id, dimensions.dimension_order
)

select * from experiment_balance
