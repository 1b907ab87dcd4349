-- The affiliate's own insights (issue 21): a click's sub-id, the label an affiliate adds to
-- the landing URL (``sub_id``, else ``subid``, ``sub1``, ``sub``; services/tracking/domain/
-- visits.py) to tell their channels apart. NULL: the click had none (and clicks before this).
ALTER TABLE clicks ADD COLUMN sub_id text;
