package dev.incubator.slurm;

import dev.incubator.compute.port.BackendUnavailableException;

/** slurmrestd could not be reached or is not answering: the back end is degraded, nothing is decided. */
public final class SlurmUnreachableException extends BackendUnavailableException {
    public SlurmUnreachableException(String message) {
        super(message);
    }

    public SlurmUnreachableException(String message, Throwable cause) {
        super(message, cause);
    }
}
