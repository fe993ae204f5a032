package dev.incubator.slurm;

/** Slurm does not know the job (it never existed, or it was purged). */
public final class SlurmNotFoundException extends SlurmException {
    public SlurmNotFoundException(String message) {
        super(message);
    }
}
