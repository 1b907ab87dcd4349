-- Partial and cumulative refunds from Stripe and Paddle (issue 23).

-- How far partial refunds have refunded a conversion, against the figures it was booked with:
-- each later share is computed from these (a step lowers an unpaid commission), and a share no
-- larger than the one reached changes nothing. No row: nothing refunded in part.
CREATE TABLE conversion_refunds (
    conversion_id uuid PRIMARY KEY REFERENCES conversions (id),
    booked_amount_cents bigint NOT NULL CHECK (booked_amount_cents >= 0),
    booked_commission_cents bigint NOT NULL CHECK (booked_commission_cents >= 0),
    refunded_amount_cents bigint NOT NULL
        CHECK (refunded_amount_cents BETWEEN 0 AND booked_amount_cents),
    refunded_commission_cents bigint NOT NULL
        CHECK (refunded_commission_cents BETWEEN 0 AND booked_commission_cents),
    -- of the refunded commission, what had left (Paid, or claimed by a payout run) and so was
    -- owed back as claw-backs rather than taken off the row
    clawed_back_cents bigint NOT NULL
        CHECK (clawed_back_cents BETWEEN 0 AND refunded_commission_cents)
);

-- A partial refund of a commission that left claws back each step: one adjustment per step,
-- keyed by the refunded commission the step reached (each step raises it). A whole refund's
-- (and a whole refund's while claimed) keeps step 0: still one per conversion.
ALTER TABLE balance_adjustments ADD COLUMN refund_step bigint NOT NULL DEFAULT 0
    CHECK (refund_step >= 0);
ALTER TABLE balance_adjustments DROP CONSTRAINT balance_adjustments_conversion_id_reason_key;
ALTER TABLE balance_adjustments ADD CONSTRAINT balance_adjustments_conversion_step
    UNIQUE (conversion_id, reason, refund_step);

-- A provider refund parked before its sale keeps its share (null: whole, as S2S refunds are);
-- of two parked for one sale the larger share stays.
ALTER TABLE parked_refunds ADD COLUMN refunded_cents bigint CHECK (refunded_cents >= 0),
    ADD COLUMN paid_cents bigint CHECK (paid_cents > 0);
