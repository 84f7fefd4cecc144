package dynamod.journal.text;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A strict JSON parser (RFC 8259) for what {@link Json} writes and for requests from other processes, so it expects
 * hostile input: nesting is limited to {@value #MAX_DEPTH}, duplicate keys, unpaired surrogates and numbers beyond
 * a double are refused, and nothing may follow the value. Objects become {@link LinkedHashMap}s (in their order),
 * arrays {@link ArrayList}s, integers that fit a {@code long} {@link Long}s, other numbers {@link Double}s, and
 * JSON null Java null. Limiting the input's length is the caller's business.
 */
public final class JsonParser {

    public static final int MAX_DEPTH = 64;

    /** Malformed JSON, or a field of the wrong type; messages of the former begin with the offset: {@code at 17: ...}. */
    public static final class JsonException extends IllegalArgumentException {

        public JsonException(String message) {
            super(message);
        }
    }

    private final String text;
    private int at;
    private int depth;

    private JsonParser(String text) {
        this.text = text;
    }

    /** The value {@code text} holds: a Map, List, String, Long, Double, Boolean or null. */
    public static Object parse(String text) {
        JsonParser parser = new JsonParser(text);
        Object value = parser.value();
        parser.blanks();
        if (parser.at < text.length()) throw parser.error("unexpected text after the value");
        return value;
    }

    /** The string {@code key} holds. */
    public static String string(Map<String, ?> object, String key) {
        return field(object, key, String.class, "a string");
    }

    /** The string {@code key} holds, if it is there and not null. */
    public static Optional<String> optString(Map<String, ?> object, String key) {
        return object.get(key) == null ? Optional.empty() : Optional.of(string(object, key));
    }

    /** The integer {@code key} holds; a fraction or an integer beyond a long is not one. */
    public static long integer(Map<String, ?> object, String key) {
        return field(object, key, Long.class, "an integer");
    }

    public static boolean bool(Map<String, ?> object, String key) {
        return field(object, key, Boolean.class, "a boolean");
    }

    @SuppressWarnings("unchecked")
    public static List<Object> list(Map<String, ?> object, String key) {
        return field(object, key, List.class, "an array");
    }

    @SuppressWarnings("unchecked")
    public static Map<String, Object> object(Map<String, ?> object, String key) {
        return field(object, key, Map.class, "an object");
    }

    private static <T> T field(Map<String, ?> object, String key, Class<T> type, String expected) {
        if (!object.containsKey(key)) throw new JsonException("missing field " + key);
        Object value = object.get(key);
        if (!type.isInstance(value)) throw new JsonException("field " + key + ": expected " + expected);
        return type.cast(value);
    }

    private Object value() {
        blanks();
        if (at >= text.length()) throw error("expected a value");
        return switch (text.charAt(at)) {
            case '{' -> object();
            case '[' -> array();
            case '"' -> string();
            case 't' -> literal("true", Boolean.TRUE);
            case 'f' -> literal("false", Boolean.FALSE);
            case 'n' -> literal("null", null);
            case '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9' -> number();
            default -> throw error("expected a value");
        };
    }

    private Map<String, Object> object() {
        enter();
        Map<String, Object> map = new LinkedHashMap<>();
        blanks();
        if (take('}')) return leave(map);
        do {
            blanks();
            int keyAt = at;
            if (at >= text.length() || text.charAt(at) != '"') throw error("expected a string key");
            String key = string();
            if (map.containsKey(key)) throw error(keyAt, "duplicate key " + Json.write(key));
            blanks();
            expect(':');
            map.put(key, value());
            blanks();
        } while (take(','));
        if (!take('}')) throw error("expected ',' or '}'");
        return leave(map);
    }

    private List<Object> array() {
        enter();
        List<Object> list = new ArrayList<>();
        blanks();
        if (take(']')) return leave(list);
        do {
            list.add(value());
            blanks();
        } while (take(','));
        if (!take(']')) throw error("expected ',' or ']'");
        return leave(list);
    }

    /** Consumes the opening bracket, refusing nesting deep enough to threaten the stack. */
    private void enter() {
        if (++depth > MAX_DEPTH) throw error("nested deeper than " + MAX_DEPTH);
        at++;
    }

    private <T> T leave(T container) {
        depth--;
        return container;
    }

    private String string() {
        int open = at++;
        StringBuilder out = new StringBuilder();
        while (true) {
            int run = at;
            while (at < text.length() && text.charAt(at) != '"' && text.charAt(at) != '\\' && text.charAt(at) >= 0x20) at++;
            out.append(text, run, at);
            if (at >= text.length()) throw error(open, "unterminated string");
            char c = text.charAt(at);
            if (c == '"') break;
            if (c < 0x20) throw error(String.format("control character U+%04X in string", (int) c));
            escape(out);
        }
        at++;
        String s = out.toString();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean paired = Character.isHighSurrogate(c) ? i + 1 < s.length() && Character.isLowSurrogate(s.charAt(++i))
                    : !Character.isLowSurrogate(c);
            if (!paired) throw error(open, "unpaired surrogate in string");
        }
        return s;
    }

    private void escape(StringBuilder out) {
        int backslash = at++;
        if (at >= text.length()) throw error(backslash, "unterminated string");
        char e = text.charAt(at++);
        switch (e) {
            case '"', '\\', '/' -> out.append(e);
            case 'b' -> out.append('\b');
            case 'f' -> out.append('\f');
            case 'n' -> out.append('\n');
            case 'r' -> out.append('\r');
            case 't' -> out.append('\t');
            case 'u' -> {
                int code = 0;
                for (int i = 0; i < 4; i++) {
                    int digit = at < text.length() ? hexDigit(text.charAt(at)) : -1;
                    if (digit < 0) throw error(backslash, "\\u needs four hex digits");
                    code = code * 16 + digit;
                    at++;
                }
                out.append((char) code);
            }
            default -> throw error(backslash, "invalid escape \\" + e);
        }
    }

    /** Only ASCII: {@link Character#digit} would take other scripts' digits too. */
    private static int hexDigit(char c) {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        return -1;
    }

    private Object number() {
        int start = at;
        take('-');
        if (take('0')) {
            if (digits() > 0) throw error(start, "leading zero in number");
        } else if (digits() == 0) {
            throw error(start, "expected a digit");
        }
        boolean integral = true;
        if (take('.')) {
            integral = false;
            if (digits() == 0) throw error("expected a digit after '.'");
        }
        if (take('e') || take('E')) {
            integral = false;
            if (!take('+')) take('-');
            if (digits() == 0) throw error("expected a digit in the exponent");
        }
        String number = text.substring(start, at);
        if (integral) {
            try {
                return Long.parseLong(number);
            } catch (NumberFormatException beyondLong) {
                // still a number, with the precision a double has
            }
        }
        double value = Double.parseDouble(number);
        if (Double.isInfinite(value)) throw error(start, "number out of range");
        return value;
    }

    private int digits() {
        int start = at;
        while (at < text.length() && text.charAt(at) >= '0' && text.charAt(at) <= '9') at++;
        return at - start;
    }

    private Object literal(String word, Object value) {
        if (!text.startsWith(word, at)) throw error("expected a value");
        at += word.length();
        return value;
    }

    private void blanks() {
        while (at < text.length()) {
            char c = text.charAt(at);
            if (c != ' ' && c != '\t' && c != '\n' && c != '\r') return;
            at++;
        }
    }

    private boolean take(char c) {
        if (at < text.length() && text.charAt(at) == c) {
            at++;
            return true;
        }
        return false;
    }

    private void expect(char c) {
        if (!take(c)) throw error("expected '" + c + "'");
    }

    private JsonException error(String what) {
        return error(at, what);
    }

    private static JsonException error(int offset, String what) {
        return new JsonException("at " + offset + ": " + what);
    }
}
