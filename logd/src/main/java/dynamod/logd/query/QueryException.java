package dynamod.logd.query;

/** A query that cannot be parsed or answered (a bad option, an unknown boot, a foreign cursor): exit code 1. */
public final class QueryException extends IllegalArgumentException {
    public QueryException(String message) {
        super(message);
    }

    public QueryException(String message, Throwable cause) {
        super(message, cause);
    }
}
