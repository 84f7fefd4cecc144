package dynamod.conf;

import java.nio.file.Path;

/**
 * A place in a configuration file: 1-based line and column, or {@code 0:0} for the file as a whole
 * (an unreadable file, a missing directory).
 */
public record SourcePosition(Path file, int line, int column) {

    public SourcePosition {
        if (file == null) throw new IllegalArgumentException("file is required");
        if (line < 0 || column < 0) throw new IllegalArgumentException("negative position " + line + ":" + column);
    }

    public static SourcePosition wholeFile(Path file) {
        return new SourcePosition(file, 0, 0);
    }

    public boolean isWholeFile() {
        return line == 0;
    }

    /** {@code FILE:LINE:COL}, or just {@code FILE} for a whole-file position: what editors jump to. */
    @Override
    public String toString() {
        return isWholeFile() ? file.toString() : file + ":" + line + ":" + column;
    }
}
