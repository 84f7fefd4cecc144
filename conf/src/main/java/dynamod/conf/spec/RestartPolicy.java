package dynamod.conf.spec;

/** When a service that ended is started again, with Erlang/OTP's names and meanings. */
public enum RestartPolicy implements ConfigEnum {
    /** Always restarted. */
    PERMANENT("permanent"),
    /** Restarted only when it ended abnormally: a non-zero exit or a signal. */
    TRANSIENT("transient"),
    /** Never restarted. */
    TEMPORARY("temporary");

    private final String tomlName;

    RestartPolicy(String tomlName) {
        this.tomlName = tomlName;
    }

    @Override
    public String tomlName() {
        return tomlName;
    }
}
