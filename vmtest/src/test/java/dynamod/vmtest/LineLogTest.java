package dynamod.vmtest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;

class LineLogTest {

    private static LineLog pumped(String channelBytes, StringWriter transcript) {
        LineLog log = new LineLog("the test channel", System.nanoTime());
        log.pump(new ByteArrayInputStream(channelBytes.getBytes(StandardCharsets.UTF_8)), transcript);
        return log;
    }

    @Test
    void splitsLinesDropsCarriageReturnsAndTerminalEscapesAndKeepsAnUnfinishedLastLine() {
        StringWriter transcript = new StringWriter();
        LineLog log = pumped("first\r\n\u001B[1m/etc/x\u001B[0m: \u001B[32mno problems\u001B[0m\nno end", transcript);
        assertEquals(List.of("first", "/etc/x: no problems", "no end"), log.lines().stream().map(LineLog.Line::text).toList());
        assertEquals(List.of(0, 1, 2), log.lines().stream().map(LineLog.Line::index).toList());
        assertTrue(transcript.toString().contains("\u001B[32mno problems"), "the transcript keeps the raw bytes: " + transcript);
    }

    @Test
    void findsTheFirstMatchFromAnIndexOn() throws Exception {
        LineLog log = pumped("a 1\nb\na 2\n", new StringWriter());
        assertEquals("a 1", log.await(0, l -> l.startsWith("a"), Duration.ofSeconds(5), "a").text());
        assertEquals("a 2", log.await(1, l -> l.startsWith("a"), Duration.ofSeconds(5), "a").text());
        assertEquals("a 2", log.find(1, l -> l.startsWith("a")).orElseThrow().text());
        assertTrue(log.find(3, l -> true).isEmpty());
    }

    @Test
    void aWaitOnAnEndedChannelFailsAtOnceAndShowsItsLastLines() {
        LineLog log = pumped("booting\nKernel panic - not syncing: Attempted to kill init!\n", new StringWriter());
        TimeoutException e = assertThrows(TimeoutException.class,
                () -> log.await(0, "marker"::equals, Duration.ofDays(1), "the marker"));
        assertTrue(e.getMessage().startsWith("the test channel ended without the marker"), e.getMessage());
        assertTrue(e.getMessage().contains("Attempted to kill init"), e.getMessage());
    }

    @Test
    void aWaitOnAnOpenChannelEndsAtItsTimeout() {
        LineLog log = new LineLog("the open channel", System.nanoTime());
        log.add("nothing yet", System.nanoTime());
        TimeoutException e = assertThrows(TimeoutException.class,
                () -> log.await(0, "marker"::equals, Duration.ofMillis(20), "the marker"));
        assertTrue(e.getMessage().startsWith("no line after PT0.02S without the marker"), e.getMessage());
    }
}
