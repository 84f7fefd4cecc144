package dynamod.conf.spec;

import dynamod.conf.SourcePosition;
import java.nio.file.Path;

/**
 * An environment file that cannot be read or is malformed. The message is {@code FILE:LINE:COL: reason}, or
 * {@code FILE: reason} when the trouble is the file as a whole (line and column 0).
 */
public final class EnvironmentFileException extends Exception {

    private final SourcePosition position;
    private final String reason;

    public EnvironmentFileException(Path path, int line, int column, String reason) {
        this(new SourcePosition(path, line, column), reason);
    }

    private EnvironmentFileException(SourcePosition position, String reason) {
        super(position + ": " + reason, null, false, false);
        this.position = position;
        this.reason = reason;
    }

    public Path path() {
        return position.file();
    }

    /** 1-based, or 0 for the file as a whole. */
    public int line() {
        return position.line();
    }

    /** 1-based, in characters (code points), or 0 for the file as a whole. */
    public int column() {
        return position.column();
    }

    /** What is wrong, without the place. */
    public String reason() {
        return reason;
    }
}
