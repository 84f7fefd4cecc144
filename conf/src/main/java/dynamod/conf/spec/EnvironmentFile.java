package dynamod.conf.spec;

import java.nio.file.Path;

/** A file of {@code KEY=VALUE} lines read when the service is spawned; an optional one may be missing. */
public record EnvironmentFile(Path path, boolean optional) {}
