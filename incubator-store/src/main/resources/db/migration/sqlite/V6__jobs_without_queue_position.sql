-- Queue positions and estimates change every cycle: they are served from memory, not stored.
ALTER TABLE jobs DROP COLUMN position;
ALTER TABLE jobs DROP COLUMN estimated_start;
