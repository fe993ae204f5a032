package dev.incubator.compute.port;

/**
 * The compute back end (e.g. slurmrestd) cannot be reached or is not answering. Nothing about any job is
 * concluded from it: the service reports itself degraded, keeps its queue, and tries again next cycle.
 */
public class BackendUnavailableException extends RuntimeException {
    public BackendUnavailableException(String message) {
        super(message);
    }

    public BackendUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
