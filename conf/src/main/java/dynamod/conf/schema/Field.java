package dynamod.conf.schema;

/**
 * One key of a configuration table: its TOML name, value type, what an absent key means, and a one-line
 * meaning. The schema is built from these, and docs/configuration.md is checked against them.
 *
 * @param defaultValue the value when absent, or null when absence is handled by the reader (required, optional
 *     or dependent on other keys)
 * @param defaultText how the documentation states the default
 */
public record Field<T>(String key, ValueType<T> type, boolean required, T defaultValue, String defaultText, String summary) {

    public static <T> Field<T> required(String key, ValueType<T> type, String summary) {
        return new Field<>(key, type, true, null, "required", summary);
    }

    /** Absent means "none": no such setting. */
    public static <T> Field<T> optional(String key, ValueType<T> type, String summary) {
        return new Field<>(key, type, false, null, "none", summary);
    }

    public static <T> Field<T> defaulted(String key, ValueType<T> type, T value, String summary) {
        return new Field<>(key, type, false, value, type.format(value), summary);
    }

    /** The default depends on other keys; the reader computes it and {@code defaultText} says how. */
    public static <T> Field<T> contextual(String key, ValueType<T> type, String defaultText, String summary) {
        return new Field<>(key, type, false, null, defaultText, summary);
    }
}
