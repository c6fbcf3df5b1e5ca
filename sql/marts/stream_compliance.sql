-- one row per stream × check_name (docs/metrics.md § Compliance):
--   disclosure   a host message (chat.is_host, or kind host) or a pinned note
--                containing a phrase of compliance.disclosure_phrases (whole
--                words, any case: phrase_match) at most compliance.disclosure_within (90 s)
--                after started_at; earlier messages count too. not_checked
--                when the stream has no chat, or none of its messages is
--                marked as the host's or pinned (postlive cannot tell who
--                the host is), or no phrase is configured.
--   min_length   duration_min ≥ compliance.min_minutes.<platform> (Amazon
--                Live suggests 30); not_checked for a platform without one.
--   drop_window  whether redemptions of the stream's drops fell outside its
--                announced window (coupon_reconciliation before_window or
--                after_window; void ones do not count): pass when none did,
--                info when some did — customers using a code early or late
--                is normal and breaks no rule the merchant configured, so it
--                is information, never a failure; not_checked without drops.
--   status       pass, fail, info or not_checked; passed is NULL unless pass
--                or fail (a check fails only against a configured rule:
--                compliance.disclosure_*, compliance.min_minutes.<platform>)
--   observed     disclosure: seconds after the start; min_length: minutes;
--                drop_window: redemptions outside the windows
--   threshold    the limit observed is held to
with

streams as (
    select * from stg_streams
),

chat as (
    select * from stg_chat
),

drops as (
    select * from stg_drops
),

reconciled as (
    select * from int_redemptions_reconciled
),

phrases as (
    select * from compliance_phrases
),

min_minutes as (
    select * from compliance_min_minutes
),

config as (
    select * from compliance_settings
),

checks as (
    select * from (values
        (1, 'disclosure'),
        (2, 'min_length'),
        (3, 'drop_window')
    ) as checks (check_order, check_name)
),

phrase_list as (
    select string_agg(phrase, ', ' order by phrase) as phrases, count(*) as phrase_count
    from phrases
),

chat_counts as (
    select
        stream_id,
        count(*) as messages,
        count(*) filter (where coalesce(is_host, false) or kind = 'pinned') as host_messages
    from chat
    group by stream_id
),

host_messages as (
    select
        chat.stream_id,
        chat.ts,
        chat.seq,
        chat.kind,
        chat.text,
        date_diff('millisecond', streams.started_at, chat.ts) / 1000.0 as offset_s
    from chat
    inner join streams on streams.stream_id = chat.stream_id
    where coalesce(chat.is_host, false) or chat.kind = 'pinned'
),

-- phrase_match(text, phrase) is the whole-word, case-insensitive match of
-- compliance_phrases.pattern (a Go function: DuckDB would compile the pattern
-- for every row); a message can only match a phrase containing its first word
first_disclosures as (
    select
        host_messages.*,
        phrases.phrase
    from host_messages
    inner join phrases
        on contains(lower(host_messages.text), phrases.first_word)
        and phrase_match(host_messages.text, phrases.phrase)
    qualify row_number() over (
        partition by host_messages.stream_id
        order by host_messages.ts, host_messages.seq, phrases.phrase
    ) = 1
),

disclosure as (
    select
        streams.stream_id,
        'disclosure' as check_name,
        case
            when coalesce(chat_counts.messages, 0) = 0 or chat_counts.host_messages = 0
                or phrase_list.phrase_count = 0 then 'not_checked'
            when first_disclosures.offset_s <= config.disclosure_within_s then 'pass'
            else 'fail'
        end as status,
        case
            when coalesce(chat_counts.messages, 0) = 0
                then 'no chat was imported for this stream'
            when chat_counts.host_messages = 0
                then 'none of the ' || chat_counts.messages || ' chat messages is marked as the host''s (is_host, kind host) or pinned'
            when phrase_list.phrase_count = 0
                then 'compliance.disclosure_phrases is empty'
            when first_disclosures.stream_id is null
                then 'no host message or pinned note says ' || phrase_list.phrases
            else
                case when first_disclosures.kind = 'pinned' then 'pinned note' else 'host' end
                || case when first_disclosures.offset_s < 0 then ' before the start' else ' at ' || (cast(floor(first_disclosures.offset_s / 60) as bigint) || ':' || lpad(cast((cast(floor(first_disclosures.offset_s) as bigint) % 60) as varchar), 2, '0')) end
                || ' ("' || first_disclosures.phrase || '")'
                || case
                    when first_disclosures.offset_s > config.disclosure_within_s
                        then ', later than ' || (cast(floor(config.disclosure_within_s / 60) as bigint) || ':' || lpad(cast((cast(floor(config.disclosure_within_s) as bigint) % 60) as varchar), 2, '0'))
                    else ''
                end
                || ': ' || case
                    when length(first_disclosures.text) > 100 then left(first_disclosures.text, 99) || '…'
                    else first_disclosures.text
                end
        end as detail,
        first_disclosures.ts as observed_at,
        cast(first_disclosures.offset_s as double) as observed,
        cast(config.disclosure_within_s as double) as threshold
    from streams
    cross join config
    cross join phrase_list
    left join chat_counts on chat_counts.stream_id = streams.stream_id
    left join first_disclosures on first_disclosures.stream_id = streams.stream_id
),

min_length as (
    select
        streams.stream_id,
        'min_length' as check_name,
        case
            when min_minutes.min_minutes is null then 'not_checked'
            when date_diff('second', streams.started_at, streams.ended_at) / 60.0 >= min_minutes.min_minutes then 'pass'
            else 'fail'
        end as status,
        case
            when min_minutes.min_minutes is null
                then 'no minimum length is set for ' || coalesce(streams.platform, 'streams without a platform')
            else 'ran ' || printf('%g', cast(round(date_diff('second', streams.started_at, streams.ended_at) / 60.0, 1) as double))
                || ' min; the ' || streams.platform || ' guidance is at least ' || printf('%g', min_minutes.min_minutes) || ' min'
        end as detail,
        cast(null as timestamp) as observed_at,
        cast((date_diff('second', streams.started_at, streams.ended_at) / 60.0) as double) as observed,
        cast(min_minutes.min_minutes as double) as threshold
    from streams
    left join min_minutes on min_minutes.platform = streams.platform
),

drop_outside as (
    select
        drops.stream_id,
        drops.drop_id,
        coalesce(drops.coupon_code, drops.drop_id) as drop_name,
        drops.starts_at,
        count(reconciled.redemption_id) filter (where reconciled.status = 'before_window') as before_window,
        count(reconciled.redemption_id) filter (where reconciled.status = 'after_window') as after_window
    from drops
    left join reconciled on reconciled.drop_id = drops.drop_id
    group by drops.stream_id, drops.drop_id, drops.coupon_code, drops.starts_at
),

drop_summary as (
    select
        stream_id,
        count(*) as drops,
        sum(before_window + after_window) as outside,
        string_agg(
            case when before_window + after_window > 0 then
                drop_name || ': ' || concat_ws(', ',
                    case when before_window > 0 then before_window || ' before' end,
                    case when after_window > 0 then after_window || ' after' end
                ) || ' the window'
            end,
            '; ' order by starts_at, drop_id
        ) as outside_text
    from drop_outside
    group by stream_id
),

drop_window as (
    select
        streams.stream_id,
        'drop_window' as check_name,
        case
            when drop_summary.stream_id is null then 'not_checked'
            when drop_summary.outside = 0 then 'pass'
            else 'info'
        end as status,
        case
            when drop_summary.stream_id is null then 'the stream has no drops'
            when drop_summary.outside = 0 then 'every redemption of its drops came inside the announced window'
            else drop_summary.outside || ' redemptions outside the announced window (information, not a breach): ' || drop_summary.outside_text
        end as detail,
        cast(null as timestamp) as observed_at,
        cast(drop_summary.outside as double) as observed,
        cast(0 as double) as threshold
    from streams
    left join drop_summary on drop_summary.stream_id = streams.stream_id
),

all_checks as (
    select * from disclosure
    union all
    select * from min_length
    union all
    select * from drop_window
),

final as (
    select
        all_checks.stream_id,
        streams.affiliate_id,
        streams.platform,
        streams.started_at,
        checks.check_order,
        all_checks.check_name,
        all_checks.status,
        case all_checks.status when 'pass' then true when 'fail' then false end as passed,
        all_checks.detail,
        all_checks.observed_at,
        all_checks.observed,
        all_checks.threshold
    from all_checks
    inner join streams on streams.stream_id = all_checks.stream_id
    inner join checks on checks.check_name = all_checks.check_name
)

select * from final order by started_at, stream_id, check_order
