package dynamod.conf.spec;

import java.nio.file.Path;

/** A path of the host made visible at target inside the service's mount namespace, read-only unless writable. */
public record BindMount(Path source, Path target, boolean writable) {}
