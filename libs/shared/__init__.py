"""What every Rekomi service needs; nothing domain-specific lives here."""
