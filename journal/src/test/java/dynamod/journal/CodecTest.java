package dynamod.journal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dynamod.journal.codec.ByteSink;
import dynamod.journal.codec.Frame;
import dynamod.journal.event.Event;
import dynamod.journal.event.EventTypes;
import dynamod.journal.event.ExitStatus;
import dynamod.journal.event.LogEvent.LogLine;
import dynamod.journal.event.LogStream;
import dynamod.journal.event.ServiceEvent.OomVictim;
import dynamod.journal.event.ServiceEvent.ServiceOomKilled;
import dynamod.journal.event.ServiceEvent.ServiceStateChanged;
import dynamod.journal.event.ServiceState;
import dynamod.journal.event.SystemEvent.ConfigurationLoaded;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class CodecTest {

    private static final UUID BOOT = UUID.fromString("4e3f6a1c-77b2-4c2e-9a51-0f0e1d2c3b4a");

    static byte[] frame(Event event, long seq) {
        ByteSink payload = new ByteSink(64);
        Frame.payload(event, payload);
        ByteSink frame = new ByteSink(128);
        Frame.frame(EventTypes.of(event.getClass()), seq, 1_764_000_000_000_000_000L, 42_000L, BOOT, Origin.SVMGR, 1234, payload, frame);
        return frame.toByteArray();
    }

    @Test
    void everyEventTypeSurvivesARoundTrip() {
        Random random = new Random(11);
        for (EventTypes.Type type : EventTypes.all()) {
            for (int i = 0; i < 50; i++) {
                Event event = SampleEvents.random(type, random);
                byte[] bytes = frame(event, 77L + i);
                Frame.Decoded decoded = Frame.decode(Stream.of(event), bytes, 0, bytes.length);
                Recorded recorded = assertInstanceOf(Frame.Decoded.Ok.class, decoded, type::name).recorded();
                assertEquals(event, recorded.event(), type.name());
                assertEquals(77L + i, recorded.seq());
                assertEquals(BOOT, recorded.bootId());
                assertEquals(Origin.SVMGR, recorded.origin());
                assertEquals(1234, recorded.originPid());
                assertEquals(1_764_000_000_000_000_000L, recorded.realtimeNanos());
                assertEquals(42_000L, recorded.monotonicNanos());
            }
        }
    }

    @Test
    void anUnknownTypeOrVersionIsSkippedNotDamage() {
        Event event = new ServiceStateChanged("web", ServiceState.STARTING, ServiceState.RUNNING, 7, Optional.empty(), "ready",
                Optional.empty());
        // What a newer dynamod would write: type 9999, or version 200 of a known type, with a good checksum.
        for (int[] wire : new int[][] {{9999, 1}, {20, 200}}) {
            ByteSink payload = new ByteSink(64);
            Frame.payload(event, payload);
            ByteSink frame = new ByteSink(128);
            Frame.frame(new EventTypes.Type(wire[0], wire[1], ServiceStateChanged.class), 5, 1, 2, BOOT, Origin.SVMGR, 1, payload, frame);
            Frame.Decoded decoded = Frame.decode(Stream.EVENTS, frame.array(), 0, frame.size());
            Frame.Decoded.Unknown unknown = assertInstanceOf(Frame.Decoded.Unknown.class, decoded);
            assertEquals(wire[0], unknown.typeId());
            assertEquals(wire[1], unknown.version());
            assertEquals(5, unknown.seq());
        }
    }

    @Test
    void everyFlippedBitOfAFrameIsDamage() {
        byte[] bytes = frame(new LogLine("web", LogStream.STDOUT, 6, 99, "web", "hello".getBytes(), 0), 3);
        for (int bit = 0; bit < bytes.length * 8; bit++) {
            byte[] copy = bytes.clone();
            copy[bit / 8] ^= (byte) (1 << (bit % 8));
            Frame.Decoded decoded = Frame.decode(Stream.LOGS, copy, 0, copy.length);
            assertInstanceOf(Frame.Decoded.Damaged.class, decoded, "bit " + bit);
        }
        for (int length = 0; length < bytes.length; length++) {
            assertInstanceOf(Frame.Decoded.Damaged.class, Frame.decode(Stream.LOGS, bytes, 0, length), "truncated to " + length);
        }
    }

    @Test
    void typeIdsAreUniqueAndEveryEventHasOne() {
        assertEquals(EventTypes.all().size(), EventTypes.all().stream().map(t -> t.id()).distinct().count());
        for (Class<?> group : Event.class.getPermittedSubclasses()) {
            for (Class<?> event : group.getPermittedSubclasses()) {
                @SuppressWarnings("unchecked")
                Class<? extends Event> type = (Class<? extends Event>) event;
                assertEquals(type, EventTypes.of(type).record());
            }
        }
    }

    /**
     * The encoding is the format on disk: these bytes were written by this version of the codec, and every
     * later version must read them (and write them the same way, unless the event's version changes).
     */
    @Test
    void goldenBytesStayReadable() {
        List<Object[]> golden = List.of(
                new Object[] {new ServiceStateChanged("web", ServiceState.STARTING, ServiceState.FAILED, 4321,
                        Optional.of(ExitStatus.exited(3)), "exited 3", Optional.of("db")),
"444d4a3114000100316b1a0d04000000000000000000ca67a7fc7a1810a40000000000002e4cb2771c6a3f4e4a3b2c1d0e0f519a"
                            + "02d204000003776562085354415254494e47064641494c4544c2430106000008657869746564203301026462"},
                new Object[] {new LogLine("web", LogStream.STDERR, 3, 77, "nginx", new byte[] {'o', 'o', 'p', 's', (byte) 0xff}, 1, 4096),
"444d4a3164000200d75bb96404000000000000000000ca67a7fc7a1810a40000000000002e4cb2771c6a3f4e4a3b2c1d0e0f519a"
                            + "02d20400000377656206535444455252069a01056e67696e78056f6f7073ff028040"},
                new Object[] {new ConfigurationLoaded("/etc/dynamod", "ab12", 8, 3, 0, 1, List.of("w.toml:1:1: warning: x"),
                        List.of(new dynamod.journal.event.SystemEvent.ConfigFile("/etc/dynamod/services/w.toml", "service", "[service]\n".getBytes()))),
                    "444d4a31040001002f98c74a04000000000000000000ca67a7fc7a1810a40000000000002e4cb2771c6a3f4e4a3b2c1d0e0f519a"
                            + "02d20400000c2f6574632f64796e616d6f640461623132100600020116772e746f6d6c3a313a313a207761726e696e673a2078"
                            + "011c2f6574632f64796e616d6f642f73657276696365732f772e746f6d6c07736572766963650a5b736572766963655d0a"},
                new Object[] {new ServiceOomKilled("oom", 1, 2, List.of(new OomVictim(1234, "tail"))),
                    "444d4a311d000200eadb91dd04000000000000000000ca67a7fc7a1810a40000000000002e4cb2771c6a3f4e4a3b2c1d0e0f519a"
                            + "02d2040000036f6f6d020401a413047461696c"});
        for (Object[] row : golden) {
            Event event = (Event) row[0];
            byte[] expected = HexFormat.of().parseHex((String) row[1]);
            byte[] actual = frame(event, 4);
            Frame.Decoded decoded = Frame.decode(Stream.of(event), expected, 0, expected.length);
            assertTrue(decoded instanceof Frame.Decoded.Ok ok && ok.recorded().event().equals(event),
                    () -> event + " does not decode from its golden bytes: " + decoded + "\nwritten now: " + HexFormat.of().formatHex(actual));
            assertEquals(HexFormat.of().formatHex(expected), HexFormat.of().formatHex(actual), event::toString);
        }
        assertFalse(golden.isEmpty());
    }

    @Test
    void aVersionOneLogLineIsReadAsTheCurrentRecord() {
        // Written before LogLine had sourceOffset: it reads as a line without one (-1).
        byte[] v1 = HexFormat.of().parseHex("444d4a3164000100700667ba04000000000000000000ca67a7fc7a1810a40000000000002e4cb2771c6a3f4e4a3b2c1d0e0f519a"
                + "02d20400000377656206535444455252069a01056e67696e78056f6f7073ff02");
        Frame.Decoded decoded = Frame.decode(Stream.LOGS, v1, 0, v1.length);
        assertTrue(decoded instanceof Frame.Decoded.Ok, () -> "decoded: " + decoded);
        assertEquals(new LogLine("web", LogStream.STDERR, 3, 77, "nginx", new byte[] {'o', 'o', 'p', 's', (byte) 0xff}, 1, -1),
                ((Frame.Decoded.Ok) decoded).recorded().event());
    }

    @Test
    void aVersionOneOomKillIsReadWithoutVictims() {
        // Written before ServiceOomKilled named the kernel's victims: ServiceOomKilled("oom", 1, 2), version 1.
        byte[] v1 = HexFormat.of().parseHex("444d4a311d0001009a90bed904000000000000000000ca67a7fc7a1810a40000000000002e4cb2771c6a3f4e4a3b2c1d0e0f519a"
                + "02d2040000036f6f6d0204");
        Frame.Decoded decoded = Frame.decode(Stream.EVENTS, v1, 0, v1.length);
        assertTrue(decoded instanceof Frame.Decoded.Ok, () -> "decoded: " + decoded);
        assertEquals(new ServiceOomKilled("oom", 1, 2, List.of()), ((Frame.Decoded.Ok) decoded).recorded().event());
    }
}
