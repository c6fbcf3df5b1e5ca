-- coupon_leaks has one row per drop, and its counts add up: the leak-signal
-- redemptions are the sum of the three signals and no more than the drop's
-- counted redemptions
select drop_id, count(*) as rows_with_id, min(redemptions) as redemptions, min(leak_redemptions) as leak_redemptions
from coupon_leaks
group by drop_id
having count(*) > 1 or drop_id is null
    or min(leak_redemptions) <> min(before_window + long_after_window + no_click)
    or min(leak_redemptions) > min(redemptions)
