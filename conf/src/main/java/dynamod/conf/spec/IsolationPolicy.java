package dynamod.conf.spec;

/** What happens to a service whose isolation the manager cannot set up (in host mode without root). */
public enum IsolationPolicy implements ConfigEnum {
    /** It does not run: never under weaker isolation than asked for. */
    REQUIRED("required"),
    /** It runs without the isolation, after a warning. */
    BEST_EFFORT("best-effort");

    private final String tomlName;

    IsolationPolicy(String tomlName) {
        this.tomlName = tomlName;
    }

    @Override
    public String tomlName() {
        return tomlName;
    }
}
