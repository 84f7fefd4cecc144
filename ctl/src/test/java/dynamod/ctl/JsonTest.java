package dynamod.ctl;

import dynamod.journal.text.JsonParser;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dynamod.journal.text.Json;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonTest {

    @Test
    void everyStringSurvivesARoundTrip() {
        List<String> strings = List.of("", "plain", "quote \" and \\ backslash", "new\nline\ttab\r", "\u0000\u0001\u001f",
                "é ü → ├─", "\u2028\u2029", "emoji 😀", "</script>");
        for (String s : strings) assertEquals(s, JsonParser.parse(Json.write(s)), () -> Arrays.toString(s.toCharArray()));
    }

    @Test
    void structuresKeepTheirOrderAndTypes() {
        Map<String, Object> object = new LinkedHashMap<>();
        object.put("b", 1);
        object.put("a", List.of(true, false, 2L, "x"));
        object.put("n", null);
        object.put("nested", Map.of("k", List.of()));
        assertEquals("{\"b\":1,\"a\":[true,false,2,\"x\"],\"n\":null,\"nested\":{\"k\":[]}}", Json.write(object));
        assertEquals(Map.of("b", 1L, "a", List.of(true, false, 2L, "x"), "nested", Map.of("k", List.of())),
                withoutNulls(JsonParser.parse(Json.write(object))));
        assertEquals("null", Json.write(Double.NaN));
    }

    private static Object withoutNulls(Object parsed) {
        Map<?, ?> map = (Map<?, ?>) parsed;
        Map<Object, Object> copy = new LinkedHashMap<>(map);
        copy.values().removeIf(java.util.Objects::isNull);
        return copy;
    }
}
