-- Denied conversions (issue 4): banning an affiliate denies its unpaid commission, and the rows a
-- Banned affiliate earns afterwards are booked Denied. Each row denied by a ban gets a `denied`
-- event on its timeline, stored like `refund` (amount and commission negated), so the timeline
-- nets out the way the dashboard totals drop Denied rows.
ALTER TABLE conversion_events DROP CONSTRAINT conversion_events_event_type_check,
    ADD CONSTRAINT conversion_events_event_type_check
        CHECK (event_type IN ('initial', 'renewal', 'refund', 'denied'));

