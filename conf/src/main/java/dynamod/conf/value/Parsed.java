package dynamod.conf.value;

/**
 * The outcome of parsing one configuration value: the value, or the reason a user can act on. Parsers return
 * this instead of throwing so that no malformed input can escape the loader as an exception.
 */
public sealed interface Parsed<T> {

    record Ok<T>(T value) implements Parsed<T> {}

    record Invalid<T>(String reason) implements Parsed<T> {}

    static <T> Parsed<T> ok(T value) {
        return new Ok<>(value);
    }

    static <T> Parsed<T> invalid(String reason) {
        return new Invalid<>(reason);
    }
}
