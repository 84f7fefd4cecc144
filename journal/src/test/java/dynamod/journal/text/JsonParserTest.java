package dynamod.journal.text;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dynamod.journal.text.JsonParser.JsonException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class JsonParserTest {

    @Test
    void scalars() {
        assertEquals(true, JsonParser.parse("true"));
        assertEquals(false, JsonParser.parse(" false "));
        assertNull(JsonParser.parse("null"));
        assertEquals("x", JsonParser.parse("\"x\""));
        assertEquals(0L, JsonParser.parse("0"));
        assertEquals(-17L, JsonParser.parse("-17"));
        assertEquals(Long.MAX_VALUE, JsonParser.parse("9223372036854775807"));
        assertEquals(Long.MIN_VALUE, JsonParser.parse("-9223372036854775808"));
        assertEquals(9.223372036854775808e18, JsonParser.parse("9223372036854775808"), "beyond a long: a double");
        assertEquals(1.5, JsonParser.parse("1.5"));
        assertEquals(-0.0, JsonParser.parse("-0.0"));
        assertEquals(1e10, JsonParser.parse("1E10"));
        assertEquals(2.5e-3, JsonParser.parse("25e-4"));
        assertEquals(100.0, JsonParser.parse("1e+2"));
    }

    @Test
    void containersKeepOrderAndAllowNulls() {
        Object parsed = JsonParser.parse(" {\"z\" : [1, \"a\", null, {}, []], \"a\":{\"n\":null}, \"m\":true}\r\n\t");
        Map<?, ?> map = assertInstanceOf(LinkedHashMap.class, parsed);
        assertEquals(List.of("z", "a", "m"), List.copyOf(map.keySet()));
        assertEquals(Arrays.asList(1L, "a", null, Map.of(), List.of()), map.get("z"));
        assertTrue(((Map<?, ?>) map.get("a")).containsKey("n"));
        assertEquals(true, map.get("m"));
    }

    @Test
    void stringEscapes() {
        assertEquals("\" \\ / \b \f \n \r \t", JsonParser.parse("\"\\\" \\\\ \\/ \\b \\f \\n \\r \\t\""));
        assertEquals("é\u0000\u2028", JsonParser.parse("\"\\u00E9\\u0000\\u2028\""));
        assertEquals("😀", JsonParser.parse("\"\\ud83d\\uDE00\""));
        assertEquals("😀 raw", JsonParser.parse("\"😀 raw\""));
    }

    @Test
    void whatJsonWritesParsesBack() {
        List<String> strings = List.of("", "plain", "quote \" and \\ backslash", "new\nline\ttab\r", "\u0000\u0001\u001f\u007f",
                "é ü → ├─", "\u2028\u2029", "emoji 😀", "</script>");
        for (String s : strings) assertEquals(s, JsonParser.parse(Json.write(s)), () -> Arrays.toString(s.toCharArray()));

        Map<String, Object> object = Json.object();
        object.put("int", 1);
        object.put("long", Long.MIN_VALUE);
        object.put("double", 0.1);
        object.put("small", 1.0e-300);
        object.put("big", 6.02e23);
        object.put("list", List.of(true, false, "x", List.of()));
        object.put("null", null);
        object.put("nested", Map.of("k", Map.of()));
        Map<String, Object> expected = new LinkedHashMap<>(object);
        expected.put("int", 1L);
        assertEquals(expected, JsonParser.parse(Json.write(object)));
    }

    @Test
    void randomValuesParseBack() {
        Random random = new Random(11);
        for (int i = 0; i < 2_000; i++) {
            Object value = randomValue(random, 0);
            assertEquals(value, JsonParser.parse(Json.write(value)), () -> Json.write(value));
        }
    }

    private static Object randomValue(Random random, int depth) {
        int kind = random.nextInt(depth > 4 ? 5 : 7);
        return switch (kind) {
            case 0 -> null;
            case 1 -> random.nextBoolean();
            case 2 -> random.nextLong();
            case 3 -> random.nextDouble() * Math.pow(10, random.nextInt(-300, 300));
            case 4 -> randomString(random);
            case 5 -> {
                List<Object> list = new ArrayList<>();
                for (int n = random.nextInt(4); n > 0; n--) list.add(randomValue(random, depth + 1));
                yield list;
            }
            default -> {
                Map<String, Object> map = new LinkedHashMap<>();
                for (int n = random.nextInt(4); n > 0; n--) map.put(randomString(random), randomValue(random, depth + 1));
                yield map;
            }
        };
    }

    private static String randomString(Random random) {
        StringBuilder s = new StringBuilder();
        for (int n = random.nextInt(6); n > 0; n--) s.appendCodePoint(random.nextInt(4) == 0 ? random.nextInt(0x20) : random.nextInt(0x1F600, 0x1F650));
        return s.toString();
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
        "``                     | at 0: expected a value",
        "`   `                  | at 3: expected a value",
        "{\"a\" 1}              | at 5: expected ':'",
        "{\"a\":1 \"b\":2}      | at 7: expected ',' or '}'",
        "[1 2]                  | at 3: expected ',' or ']'",
        "[1,]                   | at 3: expected a value",
        "{\"a\":1,}             | at 7: expected a string key",
        "{a:1}                  | at 1: expected a string key",
        "{\"a\":1,\"a\":2}      | at 7: duplicate key \"a\"",
        "1 2                    | at 2: unexpected text after the value",
        "{}x                    | at 2: unexpected text after the value",
        "01                     | at 0: leading zero in number",
        "-01                    | at 0: leading zero in number",
        "-                      | at 0: expected a digit",
        "1.                     | at 2: expected a digit after '.'",
        "1e                     | at 2: expected a digit in the exponent",
        ".5                     | at 0: expected a value",
        "+1                     | at 0: expected a value",
        "NaN                    | at 0: expected a value",
        "-Infinity              | at 0: expected a digit",
        "1e400                  | at 0: number out of range",
        "tru                    | at 0: expected a value",
        "nul                    | at 0: expected a value",
        "\"abc                  | at 0: unterminated string",
        "\"abc\\                | at 4: unterminated string",
        "\"\\x\"                | at 1: invalid escape \\x",
        "\"\\'\"                | at 1: invalid escape \\'",
        "\"\\u12\"              | at 1: \\u needs four hex digits",
        "\"\\u١٢٣٤\"            | at 1: \\u needs four hex digits",
        "\"\\ud800\"            | at 0: unpaired surrogate in string",
        "\"\\udc00\\ud800\"     | at 0: unpaired surrogate in string",
        "\"\\ud83dx\"           | at 0: unpaired surrogate in string",
        "[\"a\tb\"]             | at 3: control character U+0009 in string",
    })
    void malformedInputIsRefusedWithItsOffset(String text, String message) {
        assertEquals(message, assertThrows(JsonException.class, () -> JsonParser.parse(text)).getMessage(), text);
    }

    @Test
    void rawControlCharactersAndUnpairedSurrogatesAreRefused() {
        assertEquals("at 1: control character U+000A in string", assertThrows(JsonException.class, () -> JsonParser.parse("\"\n\"")).getMessage());
        assertEquals("at 0: unpaired surrogate in string", assertThrows(JsonException.class, () -> JsonParser.parse("\"\uD800\"")).getMessage());
    }

    @Test
    void nestingIsLimited() {
        String deepest = "[".repeat(JsonParser.MAX_DEPTH) + "]".repeat(JsonParser.MAX_DEPTH);
        assertInstanceOf(List.class, JsonParser.parse(deepest));
        String objects = "{\"a\":".repeat(JsonParser.MAX_DEPTH - 1) + "[]" + "}".repeat(JsonParser.MAX_DEPTH - 1);
        assertInstanceOf(Map.class, JsonParser.parse(objects));
        String tooDeep = "[".repeat(JsonParser.MAX_DEPTH + 1);
        assertEquals("at 64: nested deeper than 64", assertThrows(JsonException.class, () -> JsonParser.parse(tooDeep)).getMessage());
        String hostile = "[{\"a\":".repeat(1_000_000);
        assertThrows(JsonException.class, () -> JsonParser.parse(hostile));
        String wide = "[" + "[],".repeat(100_000) + "[]]";
        assertEquals(100_001, ((List<?>) JsonParser.parse(wide)).size(), "depth, not size, is limited");
    }

    @Test
    void fieldAccessorsCheckPresenceAndType() {
        @SuppressWarnings("unchecked")
        Map<String, Object> m = (Map<String, Object>) JsonParser.parse(
                "{\"s\":\"x\",\"n\":-3,\"f\":1.5,\"big\":1e19,\"b\":true,\"l\":[1],\"o\":{\"k\":1},\"null\":null}");
        assertEquals("x", JsonParser.string(m, "s"));
        assertEquals(Optional.of("x"), JsonParser.optString(m, "s"));
        assertEquals(Optional.empty(), JsonParser.optString(m, "absent"));
        assertEquals(Optional.empty(), JsonParser.optString(m, "null"));
        assertEquals(-3L, JsonParser.integer(m, "n"));
        assertEquals(true, JsonParser.bool(m, "b"));
        assertEquals(List.of(1L), JsonParser.list(m, "l"));
        assertEquals(Map.of("k", 1L), JsonParser.object(m, "o"));

        assertEquals("missing field absent", assertThrows(JsonException.class, () -> JsonParser.string(m, "absent")).getMessage());
        assertEquals("field n: expected a string", assertThrows(JsonException.class, () -> JsonParser.string(m, "n")).getMessage());
        assertEquals("field n: expected a string", assertThrows(JsonException.class, () -> JsonParser.optString(m, "n")).getMessage());
        assertEquals("field null: expected a string", assertThrows(JsonException.class, () -> JsonParser.string(m, "null")).getMessage());
        assertEquals("field f: expected an integer", assertThrows(JsonException.class, () -> JsonParser.integer(m, "f")).getMessage());
        assertEquals("field big: expected an integer", assertThrows(JsonException.class, () -> JsonParser.integer(m, "big")).getMessage());
        assertEquals("field s: expected a boolean", assertThrows(JsonException.class, () -> JsonParser.bool(m, "s")).getMessage());
        assertEquals("field o: expected an array", assertThrows(JsonException.class, () -> JsonParser.list(m, "o")).getMessage());
        assertEquals("field l: expected an object", assertThrows(JsonException.class, () -> JsonParser.object(m, "l")).getMessage());
        assertEquals("missing field x", assertThrows(JsonException.class, () -> JsonParser.integer(m, "x")).getMessage());
    }
}
