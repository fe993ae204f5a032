-- Lets the per-grant sums of the burn-down be answered from the index alone.
CREATE INDEX ledger_totals ON ledger_entries (grant_id, kind, gpu_type, occurred_at, milli_gpu_hours);
