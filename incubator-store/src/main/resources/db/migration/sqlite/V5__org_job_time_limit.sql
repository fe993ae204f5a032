-- An organisation's default time limit for jobs that state none.
ALTER TABLE organisations ADD COLUMN default_job_time_limit_minutes INTEGER;
