package dynamod.conf.spec;

/** The kinds of dependency a service declares, as {@code [dependencies]} spells them. */
public enum Relation implements ConfigEnum {
    REQUIRES("requires"),
    WANTS("wants"),
    AFTER("after"),
    BEFORE("before");

    private final String tomlName;

    Relation(String tomlName) {
        this.tomlName = tomlName;
    }

    @Override
    public String tomlName() {
        return tomlName;
    }
}
