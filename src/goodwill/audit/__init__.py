"""The audit trail: who changed contracts, invoices, payments, roles and settings, and when."""
