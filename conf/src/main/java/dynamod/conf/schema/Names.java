package dynamod.conf.schema;

import java.util.Optional;

/**
 * Service and supervisor names. They become path components (cgroup directories, socket names) and unit
 * names ({@code NAME.service}), so they are restricted to characters that are safe in all of those.
 */
public final class Names {

    private Names() {}

    public static final int MAX_LENGTH = 128;

    public static final String RULE =
            "names use letters, digits, '_', '.', '@' and '-', start with a letter or digit, and have at most "
                    + MAX_LENGTH + " characters";

    /** Why {@code name} is not a valid name, or empty if it is one. */
    public static Optional<String> problem(String name) {
        if (name.isEmpty()) return Optional.of("the name is empty");
        if (name.length() > MAX_LENGTH) return Optional.of("the name is " + name.length() + " characters long (" + RULE + ")");
        if (!isAlnum(name.charAt(0))) return Optional.of("it starts with " + describe(name.codePointAt(0)) + " (" + RULE + ")");
        for (int i = 0; i < name.length(); ) {
            int c = name.codePointAt(i);
            if (!(c < 128 && (isAlnum((char) c) || c == '_' || c == '.' || c == '@' || c == '-'))) {
                return Optional.of("it contains " + describe(c) + " (" + RULE + ")");
            }
            i += Character.charCount(c);
        }
        if (name.endsWith(".service")) {
            return Optional.of("it ends in .service; write the name without it (the unit name is NAME.service)");
        }
        return Optional.empty();
    }

    private static boolean isAlnum(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    }

    private static String describe(int codePoint) {
        if (codePoint == ' ') return "a space";
        if (codePoint == '/') return "'/'";
        if (codePoint < 32 || codePoint == 127) return String.format("the control character U+%04X", codePoint);
        return "'" + Character.toString(codePoint) + "'";
    }
}
