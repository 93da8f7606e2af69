-- A claimed scheduled AutoIndex run is leased until this time (unix seconds); a run whose
-- instance stopped before recording it is taken again once the lease has passed.
ALTER TABLE autoindex_strategies ADD COLUMN run_lease_until INTEGER;
