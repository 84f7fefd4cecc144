package dynamod.conf.spec;

/** The readiness types as files spell them; {@link Readiness} is what they become. */
public enum ReadinessType implements ConfigEnum {
    NONE("none"),
    NOTIFY("notify"),
    TCP_PORT("tcp-port"),
    EXEC("exec"),
    FD("fd");

    private final String tomlName;

    ReadinessType(String tomlName) {
        this.tomlName = tomlName;
    }

    @Override
    public String tomlName() {
        return tomlName;
    }
}
