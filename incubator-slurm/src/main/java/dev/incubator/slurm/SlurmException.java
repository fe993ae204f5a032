package dev.incubator.slurm;

/** Slurm refused or failed a request; the message says what and why. */
public class SlurmException extends RuntimeException {
    public SlurmException(String message) {
        super(message);
    }

    public SlurmException(String message, Throwable cause) {
        super(message, cause);
    }
}
