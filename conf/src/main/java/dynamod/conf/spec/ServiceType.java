package dynamod.conf.spec;

/** How a service's main process behaves, which decides when it counts as started. */
public enum ServiceType implements ConfigEnum {
    /** The spawned process is the service; ready as its readiness check says (at once with none). */
    SIMPLE("simple"),
    /** Runs to completion; done when it exits 0, failed otherwise. */
    ONESHOT("oneshot"),
    /** The spawned process forks the daemon and exits; the main pid comes from pid-file or the surviving child. */
    FORKING("forking"),
    /** Ready when it sends {@code READY=1} to {@code $NOTIFY_SOCKET}. */
    NOTIFY("notify");

    private final String tomlName;

    ServiceType(String tomlName) {
        this.tomlName = tomlName;
    }

    @Override
    public String tomlName() {
        return tomlName;
    }
}
