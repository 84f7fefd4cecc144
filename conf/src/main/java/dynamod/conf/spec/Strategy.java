package dynamod.conf.spec;

/** What a supervisor does when one of its children fails, with Erlang/OTP's names and meanings. */
public enum Strategy implements ConfigEnum {
    /** Restart only the failed child. */
    ONE_FOR_ONE("one-for-one"),
    /** Stop all other children (reverse start order), then restart all (start order). */
    ONE_FOR_ALL("one-for-all"),
    /** Stop the children started after the failed one, then restart it and them. */
    REST_FOR_ONE("rest-for-one");

    private final String tomlName;

    Strategy(String tomlName) {
        this.tomlName = tomlName;
    }

    @Override
    public String tomlName() {
        return tomlName;
    }
}
