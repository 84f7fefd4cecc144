package dynamod.ctl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dynamod.logd.query.Cursor;
import dynamod.logd.query.LogQuery;
import dynamod.logd.query.LogQuery.BootSpec;
import dynamod.logd.query.QueryException;
import dynamod.ctl.logs.QuerySyntax;
import java.time.Instant;
import java.time.ZoneId;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** journalctl's syntax for times, priorities, boots, matches and -n, parsed into a {@link LogQuery}'s parts. */
class LogQuerySyntaxTest {

    static final Instant NOW = Instant.parse("2026-12-01T13:00:00Z");
    static final ZoneId BERLIN = ZoneId.of("Europe/Berlin");

    static Instant t(String text) {
        return QuerySyntax.parseTime(text, NOW, BERLIN);
    }

    @Test
    void timesAsSystemdTimeWritesThem() {
        assertEquals(Instant.parse("2026-12-01T09:00:00Z"), t("2026-12-01 10:00"), "local time (Berlin is UTC+1 in December)");
        assertEquals(Instant.parse("2026-12-01T09:00:30Z"), t("2026-12-01 10:00:30"));
        assertEquals(Instant.parse("2026-12-01T09:00:30.250Z"), t("2026-12-01 10:00:30.25"));
        assertEquals(Instant.parse("2026-11-30T23:00:00Z"), t("2026-12-01"));
        assertEquals(Instant.parse("2026-12-01T10:00:00Z"), t("2026-12-01T10:00:00Z"));
        assertEquals(Instant.parse("2026-12-01T08:00:00Z"), t("2026-12-01T10:00:00+02:00"));
        assertEquals(Instant.parse("2026-12-01T10:00:00Z"), t("2026-12-01 10:00:00 UTC"));
        assertEquals(Instant.parse("2026-12-01T09:00:00Z"), t("Tue 2026-12-01 10:00:00"));
        assertEquals(Instant.parse("2026-12-01T05:00:00Z"), t("2026-12-01 00:00 America/New_York"));
        assertEquals(Instant.parse("2026-12-01T08:30:00Z"), t("09:30"), "a time alone is today");
        assertEquals(NOW, t("now"));
        assertEquals(Instant.parse("2026-11-30T23:00:00Z"), t("today"));
        assertEquals(Instant.parse("2026-11-29T23:00:00Z"), t("yesterday"));
        assertEquals(Instant.parse("2026-12-01T23:00:00Z"), t("tomorrow"));
        assertEquals(NOW.minusSeconds(3600), t("-1h"));
        assertEquals(NOW.plusSeconds(300), t("+5min"));
        assertEquals(NOW.minusSeconds(30), t("-30s"));
        assertEquals(NOW.minusSeconds(2 * 86400), t("-2d"));
        assertEquals(NOW.minusSeconds(5400), t("-1h 30min"));
        assertEquals(NOW.minusSeconds(5400), t("1h30m ago"));
        assertEquals(NOW.minusSeconds(7 * 86400), t("-1w"));
        assertEquals(NOW.minusMillis(1500), t("-1.5s"));
        assertEquals(NOW.minusMillis(20), t("-20ms"));
        assertEquals(Instant.ofEpochSecond(1_796_115_600L, 500_000_000), t("@1796115600.5"));
        for (String bad : List.of("", "soon", "-1 fortnight", "2026-13-01", "25:00", "-h")) {
            assertThrows(QueryException.class, () -> t(bad), bad);
        }
    }

    @Test
    void prioritiesAreMasks() {
        assertEquals(0b1111, QuerySyntax.parsePriorities("err"));
        assertEquals(0b1111, QuerySyntax.parsePriorities("3"));
        assertEquals(0b11000, QuerySyntax.parsePriorities("warning..err"));
        assertEquals(0b11000, QuerySyntax.parsePriorities("3..warn"));
        assertEquals(0b11111, QuerySyntax.parsePriorities("0..4"));
        assertEquals(0b1, QuerySyntax.parsePriorities("emerg"));
        assertEquals(0b1, QuerySyntax.parsePriorities("panic"));
        assertEquals(0xff, QuerySyntax.parsePriorities("debug"));
        assertEquals(0b11100000, QuerySyntax.parsePriorities("notice.."));
        for (String bad : List.of("8", "-1", "loud", "err..loud", "")) assertThrows(QueryException.class, () -> QuerySyntax.parsePriorities(bad), bad);
    }

    @Test
    void bootsByOffsetOrId() {
        UUID id = UUID.randomUUID();
        String hex = Cursor.Ids.hex(id);
        assertEquals(BootSpec.CURRENT, QuerySyntax.parseBoot(""));
        assertEquals(BootSpec.CURRENT, QuerySyntax.parseBoot("0"));
        assertEquals(BootSpec.CURRENT, QuerySyntax.parseBoot("-0"));
        assertEquals(new BootSpec(Optional.empty(), -1), QuerySyntax.parseBoot("-1"));
        assertEquals(new BootSpec(Optional.empty(), 1), QuerySyntax.parseBoot("1"));
        assertEquals(new BootSpec(Optional.empty(), 2), QuerySyntax.parseBoot("+2"));
        assertEquals(new BootSpec(Optional.of(hex), 0), QuerySyntax.parseBoot(id.toString()));
        assertEquals(new BootSpec(Optional.of(hex), 0), QuerySyntax.parseBoot(hex.toUpperCase()));
        assertEquals(new BootSpec(Optional.of(hex), -2), QuerySyntax.parseBoot(hex + "-2"));
        for (String bad : List.of("x", "12ab", "_PID=1", hex + "x")) assertThrows(QueryException.class, () -> QuerySyntax.parseBoot(bad), bad);
    }

    @Test
    void matchesGroupAtPlus() {
        List<LogQuery.MatchGroup> groups = QuerySyntax.parseMatches(List.of("_PID=1", "_PID=2", "PRIORITY=3", "+", "MESSAGE=a=b"));
        assertEquals(2, groups.size());
        assertEquals(3, groups.getFirst().matches().size());
        assertEquals(new LogQuery.FieldMatch("MESSAGE", "a=b"), groups.get(1).matches().getFirst());
        UUID boot = UUID.randomUUID();
        assertEquals(Cursor.Ids.hex(boot), QuerySyntax.parseMatches(List.of("_BOOT_ID=" + boot)).getFirst().matches().getFirst().value());
        for (List<String> bad : List.of(List.of("+"), List.of("A=1", "+"), List.of("+", "A=1"), List.of("a=1"), List.of("/usr/bin/x"))) {
            assertThrows(QueryException.class, () -> QuerySyntax.parseMatches(bad), bad.toString());
        }
        assertTrue(assertThrows(QueryException.class, () -> QuerySyntax.parseMatches(List.of("/usr/bin/x"))).getMessage().contains("executable"));
    }

    @Test
    void linesAndGlobs() {
        assertEquals(LogQuery.Lines.tail(5), QuerySyntax.parseLines("5"));
        assertEquals(LogQuery.Lines.head(5), QuerySyntax.parseLines("+5"));
        assertEquals(LogQuery.Lines.ALL, QuerySyntax.parseLines("all"));
        assertThrows(QueryException.class, () -> QuerySyntax.parseLines("-5"));
        assertTrue(QuerySyntax.glob("web-[0-9]*.service").matcher("web-1a.service").matches());
        assertTrue(QuerySyntax.glob("w?b").matcher("web").matches());
        assertTrue(QuerySyntax.glob("[!a]pi").matcher("xpi").matches());
        assertTrue(!QuerySyntax.glob("a.b").matcher("axb").matches(), "a dot is a dot");
    }

    @Test
    void cursorsRoundTrip() {
        Cursor c = new Cursor(UUID.randomUUID(), 0x4a5b00000003L, UUID.randomUUID(), 5_000_000, 1_796_115_600_123_456L);
        assertEquals(c, Cursor.parse(c.format()));
        assertEquals(c.seq(), Cursor.parse("i=4a5b00000003;s=" + Cursor.Ids.hex(c.journalId()) + ";x=ignored").seq());
        for (String bad : List.of("", "s=1", "i=1", "s=zz;i=1", "s=" + Cursor.Ids.hex(c.journalId()) + ";i=xyz")) {
            assertThrows(QueryException.class, () -> Cursor.parse(bad), bad);
        }
    }
}
