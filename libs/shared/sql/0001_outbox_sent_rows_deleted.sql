-- The relay now deletes an event once the broker confirmed it (it used to set sent_at and keep
-- the row for ever); rows sent before that change go too.
DELETE FROM outbox WHERE sent_at IS NOT NULL;
