package dynamod.conf.schema;

import dynamod.conf.SourcePosition;

/**
 * The type of a configuration value: how it is read from TOML, checked, named in documentation and messages,
 * and written back as a default.
 */
public interface ValueType<T> {

    /** How documentation and messages name the type, e.g. {@code duration} or {@code array of strings}. */
    String description();

    /**
     * Reads a TOML value (String, Long, Double, Boolean, TomlArray, TomlTable, a date or time), reporting every
     * problem to {@code ctx}; returns null when the value cannot be used. {@code label} names the key in messages
     * ({@code [restart] delay}).
     */
    T read(Object value, SourcePosition at, String label, FileContext ctx);

    /** The TOML literal a user would write for this value, used for documented defaults. */
    String format(T value);
}
