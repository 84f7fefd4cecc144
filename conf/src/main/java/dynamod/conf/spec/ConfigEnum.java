package dynamod.conf.spec;

/** An enumerated configuration value; {@link #tomlName()} is how files spell it. */
public interface ConfigEnum {
    String tomlName();
}
