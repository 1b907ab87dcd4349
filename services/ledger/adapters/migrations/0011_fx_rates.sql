-- Reference FX rates, EUR base (ECB style): one euro buys per_eur units of currency on day.
-- Global (not per org). Read only to normalize amounts for reporting; stored amounts never change.
CREATE TABLE fx_rates (
    day date NOT NULL,
    currency text NOT NULL CHECK (currency ~ '^[A-Z]{3}$' AND currency <> 'EUR'),
    -- numeric is exact; the upper bound also refuses NaN and Infinity (both sort above it).
    per_eur numeric NOT NULL CHECK (per_eur > 0 AND per_eur < 1000000000),
    source text NOT NULL,  -- 'ecb' as published, 'peg:USD' derived from the USD rate
    loaded_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (day, currency)
);
-- "The latest rate on or before a day" looks up by currency first.
CREATE INDEX fx_rates_currency_day ON fx_rates (currency, day);
