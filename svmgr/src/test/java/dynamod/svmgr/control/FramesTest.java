package dynamod.svmgr.control;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedOutputStream;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class FramesTest {

    private static Map<String, Object> request() {
        Map<String, Object> message = new LinkedHashMap<>();
        message.put("op", "start");
        message.put("services", List.of("web", "db"));
        message.put("timeout", 30);
        message.put("force", false);
        message.put("why", null);
        message.put("note", "é 😀 \n \"quoted\"");
        message.put("options", Map.of("wait", true));
        return message;
    }

    /** A frame as bytes: the length field says {@code length}, then the version, then {@code json}. */
    private static byte[] frame(long length, int version, String json) {
        byte[] body = json.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(5 + body.length).putInt((int) length).put((byte) version).put(body).array();
    }

    private static byte[] frame(String json) {
        return frame(1 + json.getBytes(StandardCharsets.UTF_8).length, Frames.VERSION, json);
    }

    private static String failure(byte[] bytes) {
        return assertThrows(FrameException.class, () -> Frames.read(new ByteArrayInputStream(bytes), Frames.MAX_REQUEST)).getMessage();
    }

    @Test
    void theLayoutIsLengthVersionJson() {
        byte[] expected = {0, 0, 0, 8, 1, '{', '"', 'a', '"', ':', '1', '}'};
        assertArrayEquals(expected, Frames.encode(Map.of("a", 1)));
    }

    @Test
    void messagesSurviveARoundTripAndEndCleanly() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Frames.write(out, request());
        Frames.write(out, Map.of());
        InputStream in = new ByteArrayInputStream(out.toByteArray());
        Map<String, Object> expected = new LinkedHashMap<>(request());
        expected.put("timeout", 30L);
        assertEquals(expected, Frames.read(in, Frames.MAX_REQUEST));
        assertEquals(Map.of(), Frames.read(in, Frames.MAX_REQUEST));
        assertNull(Frames.read(in, Frames.MAX_REQUEST), "EOF between frames is the peer closing");
    }

    @Test
    void writeFlushes() throws IOException {
        ByteArrayOutputStream sink = new ByteArrayOutputStream();
        Frames.write(new BufferedOutputStream(sink), request());
        assertArrayEquals(Frames.encode(request()), sink.toByteArray());
    }

    @Test
    void aFrameArrivingOneByteAtATimeIsReadWhole() throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        Frames.write(bytes, request());
        Frames.write(bytes, Map.of("n", 2));
        InputStream trickle = new OneByteAtATime(bytes.toByteArray());
        assertEquals("start", Frames.read(trickle, Frames.MAX_REQUEST).get("op"));
        assertEquals(Map.of("n", 2L), Frames.read(trickle, Frames.MAX_REQUEST));
        assertNull(Frames.read(trickle, Frames.MAX_REQUEST));
    }

    @Test
    void theLimitIsTheSidesOwn() throws IOException {
        String big = "{\"s\":\"" + "x".repeat(Frames.MAX_REQUEST) + "\"}";
        assertEquals("frame of " + (big.length() + 1) + " bytes exceeds the limit of 1048576", failure(frame(big)));
        assertEquals(Frames.MAX_REQUEST, ((String) Frames.read(new ByteArrayInputStream(frame(big)), Frames.MAX_RESPONSE).get("s")).length());
        String fits = "{\"s\":\"" + "x".repeat(Frames.MAX_REQUEST - 9) + "\"}";
        assertEquals(Frames.MAX_REQUEST, frame(fits).length - 4);
        assertEquals(1, Frames.read(new ByteArrayInputStream(frame(fits)), Frames.MAX_REQUEST).size());
    }

    @Test
    void eachBrokenFrameSaysWhy() {
        assertEquals("empty frame", failure(new byte[] {0, 0, 0, 0}));
        assertEquals("unsupported protocol version 2 (this side speaks 1)", failure(frame(3, 2, "{}")));
        assertEquals("unsupported protocol version 255 (this side speaks 1)", failure(frame(3, 255, "{}")));
        assertEquals("truncated frame header: expected 4 bytes, got 3", failure(new byte[] {0, 0, 1}));
        assertEquals("truncated frame: expected 10 bytes, got 0", failure(new byte[] {0, 0, 0, 10}));
        assertEquals("truncated frame: expected 10 bytes, got 4", failure(frame(10, 1, "{\"a")));
        assertEquals("invalid JSON at 5: expected ':'", failure(frame("{\"a\" 1}")));
        assertEquals("invalid JSON at 0: expected a value", failure(frame(1, 1, "")));
        assertEquals("invalid JSON at 2: unexpected text after the value", failure(frame("{}{}")));
        assertEquals("frame is not a JSON object", failure(frame("[1]")));
        assertEquals("frame is not a JSON object", failure(frame("null")));
        byte[] latin1 = frame("{\"a\":\"caf?\"}");
        latin1[latin1.length - 3] = (byte) 0xE9;
        assertEquals("frame is not valid UTF-8", failure(latin1));
    }

    @Test
    void aHostileLengthAllocatesNothingBig() {
        long before = allocatedBytes();
        assertEquals("frame of 4294967295 bytes exceeds the limit of 1048576", failure(frame(0xFFFF_FFFFL, 1, "{")));
        assertEquals("frame of 2147483648 bytes exceeds the limit of 67108864",
                assertThrows(FrameException.class, () -> Frames.read(new ByteArrayInputStream(frame(1L << 31, 1, "")), Frames.MAX_RESPONSE)).getMessage());
        // Within the limit but never sent: the buffers follow what arrives, not what was claimed.
        assertEquals("truncated frame: expected 67108864 bytes, got 3",
                assertThrows(FrameException.class, () -> Frames.read(new OneByteAtATime(frame(Frames.MAX_RESPONSE, 1, "{}")), Frames.MAX_RESPONSE)).getMessage());
        long allocated = allocatedBytes() - before;
        assertTrue(allocated < 1 << 20, () -> allocated + " bytes allocated");
    }

    private static long allocatedBytes() {
        return ((com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean()).getCurrentThreadAllocatedBytes();
    }

    /** A peer whose bytes come one per read, as a slow or fragmenting connection delivers them. */
    private static final class OneByteAtATime extends InputStream {

        private final byte[] bytes;
        private int at;

        OneByteAtATime(byte[] bytes) {
            this.bytes = bytes;
        }

        @Override
        public int read() {
            return at < bytes.length ? bytes[at++] & 0xFF : -1;
        }

        @Override
        public int read(byte[] into, int offset, int length) {
            if (length == 0) return 0;
            int b = read();
            if (b < 0) return -1;
            into[offset] = (byte) b;
            return 1;
        }
    }
}
