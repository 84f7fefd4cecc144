package dynamod.conf;

import java.nio.file.Path;

/**
 * The bytes of one configuration file and what kind of file its place makes it: {@code BY_CONTENT} when a
 * single file is checked on its own, and its main table decides.
 */
public record ConfigSource(Path path, byte[] bytes, Kind kind) {

    public enum Kind { SERVICE, SUPERVISOR, BY_CONTENT }
}
