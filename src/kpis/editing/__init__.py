"""What people write: forms (targets, actuals), file imports, check-ins, and the audit log of every write."""
