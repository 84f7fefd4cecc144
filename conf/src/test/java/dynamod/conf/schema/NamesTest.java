package dynamod.conf.schema;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class NamesTest {

    @ParameterizedTest
    @ValueSource(strings = {"web", "db-1", "getty@tty1", "a.b_c", "X11", "9lives"})
    void acceptsNamesSafeAsPathComponents(String name) {
        assertEquals(Optional.empty(), Names.problem(name));
        assertEquals(Optional.empty(), Names.problem("n".repeat(Names.MAX_LENGTH)));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "'' | empty", "-x | starts with '-'", ".hidden | starts with '.'", "my service | contains a space",
        "a/b | contains '/'", "../etc | starts with '.'", "web.service | ends in .service", "café | contains 'é'",
        "a:b | contains ':'"
    })
    void explainsWhatIsWrong(String name, String why) {
        String problem = Names.problem(name).orElseThrow();
        assertTrue(problem.contains(why), problem);
    }

    @Test
    void limitsLengthAndControlCharacters() {
        assertTrue(Names.problem("n".repeat(Names.MAX_LENGTH + 1)).orElseThrow().contains("characters long"));
        assertTrue(Names.problem("a\u0001b").orElseThrow().contains("U+0001"));
    }
}
