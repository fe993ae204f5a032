-- Jobs are listed by name (job list --name, as squeue --name): the spec's name as a column of its own.
ALTER TABLE jobs ADD COLUMN job_name TEXT;
UPDATE jobs SET job_name = spec::jsonb ->> 'name';
CREATE INDEX jobs_by_org_name ON jobs (org_id, job_name, id);
