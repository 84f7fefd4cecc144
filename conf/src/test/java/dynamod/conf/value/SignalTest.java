package dynamod.conf.value;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class SignalTest {

    @ParameterizedTest
    @CsvSource({
        "TERM, 15", "SIGTERM, 15", "sigterm, 15", "15, 15", "SIGHUP, 1", "INT, 2", "SIGKILL, 9", "SIGUSR1, 10",
        "SIGIOT, 6", "SIGPOLL, 29", "SIGPWR, 30", "SIGRTMIN, 34", "SIGRTMIN+3, 37", "RTMIN+4, 38", "SIGRTMAX, 64",
        "RTMAX-2, 62", "sigrtmin+30, 64"
    })
    void parsesNamesAndNumbers(String text, int number) {
        assertEquals(Parsed.ok(new Signal(number)), Signal.parse(text));
    }

    @ParameterizedTest
    @ValueSource(strings = {"SIGFOO", "0", "32", "33", "65", "RTMIN+31", "RTMAX+1", "RTMIN-1", "", "SIG", "-15", "1000"})
    void rejectsWhatIsNoSignal(String text) {
        assertInstanceOf(Parsed.Invalid.class, Signal.parse(text));
    }

    @Test
    void namesAreCanonical() {
        assertEquals("SIGTERM", new Signal(15).name());
        assertEquals("SIGRTMIN", new Signal(34).name());
        assertEquals("SIGRTMIN+3", new Signal(37).name());
        assertEquals("SIGRTMAX", new Signal(64).name());
        for (int n = 1; n <= 64; n++) {
            if (n == 32 || n == 33) continue;
            assertEquals(Parsed.ok(new Signal(n)), Signal.parse(new Signal(n).name()));
        }
        assertInstanceOf(Parsed.Invalid.class, Signal.ofNumber(32));
        assertEquals(Parsed.ok(Signal.SIGKILL), Signal.ofNumber(9));
    }
}
