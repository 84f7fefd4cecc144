package dynamod.linux;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

class KmsgRecordTest {

    private static KmsgRecord parse(String record) throws KmsgRecord.Malformed {
        byte[] buf = record.getBytes(StandardCharsets.UTF_8);
        return KmsgRecord.parse(buf, buf.length);
    }

    @Test
    void parsesThePrefixTheMessageAndTheDictionary() throws Exception {
        KmsgRecord r = parse("6,339,5140900,-;NET: Registered protocol family 10\n SUBSYSTEM=net\n DEVICE=n8\n");
        assertEquals(0, r.facility());
        assertEquals(6, r.priority());
        assertEquals(339, r.seq());
        assertEquals(5140900, r.monotonicMicros());
        assertFalse(r.continuation());
        assertEquals("NET: Registered protocol family 10", new String(r.message(), StandardCharsets.UTF_8));
        assertEquals(Map.of("SUBSYSTEM", "net", "DEVICE", "n8"), r.dictionary());
    }

    @Test
    void extraPrefixFieldsAndTheContinuationFlag() throws Exception {
        // newer kernels add fields after FLAGS (the caller id, e.g. T1 / C0)
        KmsgRecord r = parse("12,7,100,c,caller=T1;fragment\n");
        assertEquals(1, r.facility());
        assertEquals(4, r.priority());
        assertTrue(r.continuation());
        assertEquals("fragment", new String(r.message(), StandardCharsets.UTF_8));
        assertTrue(r.dictionary().isEmpty());
    }

    @Test
    void unescapesTheMessageAndDictionaryValues() throws Exception {
        KmsgRecord r = parse("6,1,2,-;tab\\x09and newline\\x0aback\\x5cslash \\xff \\x4 \\q\n DEVICE=+usb:1\\x2d1\n");
        assertArrayEquals(new byte[] {'t', 'a', 'b', 9, 'a', 'n', 'd', ' ', 'n', 'e', 'w', 'l', 'i', 'n', 'e', 10, 'b', 'a', 'c', 'k', '\\',
                's', 'l', 'a', 's', 'h', ' ', (byte) 0xff, ' ', '\\', 'x', '4', ' ', '\\', 'q'}, r.message());
        assertEquals("+usb:1-1", r.dictionary().get("DEVICE"));
    }

    @Test
    void aRecordWithoutItsNewlineStillParses() throws Exception {
        assertEquals("no newline", new String(parse("5,3,4,-;no newline").message(), StandardCharsets.UTF_8));
    }

    @Test
    void malformedRecordsAreRefusedWithTheReason() {
        assertTrue(assertThrows(KmsgRecord.Malformed.class, () -> parse("6,1,2,- no semicolon\n")).getMessage().contains("';'"));
        assertTrue(assertThrows(KmsgRecord.Malformed.class, () -> parse("6,1;short prefix\n")).getMessage().contains("fields"));
        assertTrue(assertThrows(KmsgRecord.Malformed.class, () -> parse("x,1,2,-;bad pri\n")).getMessage().contains("does not parse"));
    }
}
