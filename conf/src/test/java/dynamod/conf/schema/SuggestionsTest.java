package dynamod.conf.schema;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SuggestionsTest {

    private static final List<String> KEYS = List.of("policy", "delay", "max-delay", "max-restarts", "max-restart-window",
            "pid-file", "restart", "requires", "tcp-port");

    @ParameterizedTest
    @CsvSource({
        "restrat, restart", "pid_file, pid-file", "PidFile, pid-file", "pidfile, pid-file", "delya, delay",
        "maxRestarts, max-restarts", "requries, requires", "polcy, policy", "max-restart-windows, max-restart-window", "tcp, tcp-port"
    })
    void findsTheLikelyIntent(String typo, String meant) {
        assertEquals(Optional.of(meant), Suggestions.closest(typo, KEYS));
    }

    @ParameterizedTest
    @CsvSource({"xyz", "environment", "a", "completely-different", "max"})
    void staysQuietWhenNothingIsClose(String word) {
        assertEquals(Optional.empty(), Suggestions.closest(word, KEYS));
    }
}
