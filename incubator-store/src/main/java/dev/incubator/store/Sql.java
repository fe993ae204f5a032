package dev.incubator.store;

import dev.incubator.common.ErrorCode;
import dev.incubator.common.IncubatorException;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.Optional;

/** Small helpers shared by the JDBI repositories. */
final class Sql {
    private Sql() {
    }

    /** True when {@code e} (or a cause) is a unique or primary-key violation, in SQLite or PostgreSQL. */
    static boolean isUniqueViolation(Throwable e) {
        for (Throwable cause = e; cause != null; cause = cause.getCause()) {
            if (cause instanceof SQLException sql) {
                if ("23505".equals(sql.getSQLState())) {
                    return true;
                }
                String message = String.valueOf(sql.getMessage());
                if (message.contains("SQLITE_CONSTRAINT_UNIQUE") || message.contains("SQLITE_CONSTRAINT_PRIMARYKEY")) {
                    return true;
                }
            }
        }
        return false;
    }

    /** Runs an insert, turning a uniqueness violation into {@code ALREADY_EXISTS} with {@code message}. */
    static void insertUnique(Runnable insert, String message) {
        try {
            insert.run();
        } catch (RuntimeException e) {
            if (isUniqueViolation(e)) {
                throw new IncubatorException(ErrorCode.ALREADY_EXISTS, message);
            }
            throw e;
        }
    }

    /** Checks that an optimistic update changed exactly one row. */
    static void requireOneRow(int rows, String what) {
        if (rows != 1) {
            throw new IncubatorException(ErrorCode.VERSION_MISMATCH,
                    what + " was changed by another request; fetch it again and retry");
        }
    }

    static Instant instant(ResultSet rs, String column) throws SQLException {
        return Instant.ofEpochMilli(rs.getLong(column));
    }

    static Optional<Instant> optionalInstant(ResultSet rs, String column) throws SQLException {
        long value = rs.getLong(column);
        return rs.wasNull() ? Optional.empty() : Optional.of(Instant.ofEpochMilli(value));
    }

    static Long millis(Optional<Instant> instant) {
        return instant.map(Instant::toEpochMilli).orElse(null);
    }

    static Optional<String> optionalString(ResultSet rs, String column) throws SQLException {
        return Optional.ofNullable(rs.getString(column));
    }
}
