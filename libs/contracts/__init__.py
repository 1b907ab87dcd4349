"""The messages services exchange and the resource shapes the API returns: the only code two
services share. Commands are imperative, events past tense."""
