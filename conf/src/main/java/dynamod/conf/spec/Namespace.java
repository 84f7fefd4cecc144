package dynamod.conf.spec;

/** A Linux namespace a service can be given its own instance of. */
public enum Namespace implements ConfigEnum {
    PID("pid"),
    MNT("mnt"),
    NET("net"),
    UTS("uts"),
    IPC("ipc"),
    USER("user"),
    CGROUP("cgroup");

    private final String tomlName;

    Namespace(String tomlName) {
        this.tomlName = tomlName;
    }

    @Override
    public String tomlName() {
        return tomlName;
    }
}
