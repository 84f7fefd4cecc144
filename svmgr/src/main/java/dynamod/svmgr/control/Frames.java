package dynamod.svmgr.control;

import dynamod.journal.text.Json;
import dynamod.journal.text.JsonParser;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * The wire format of the control socket, spoken by svmgr and dynamodctl alike. A frame is a 4-byte big-endian
 * unsigned length L, then L bytes: one byte of protocol version ({@value #VERSION}) and L-1 bytes of UTF-8 JSON
 * holding one object. The version sits inside every frame so that either side can refuse a peer it does not
 * understand with a clear message instead of misreading it.
 */
public final class Frames {

    private Frames() {}

    public static final int VERSION = 1;

    /** What the server accepts: requests are small, and a client must not make it hold much memory. */
    public static final int MAX_REQUEST = 1 << 20;

    /** What the client accepts: responses such as a journal query can be large. */
    public static final int MAX_RESPONSE = 64 << 20;

    /** The frame for {@code message}: length, version, JSON. */
    public static byte[] encode(Map<String, Object> message) {
        byte[] json = Json.write(message).getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(Integer.BYTES + 1 + json.length)
                .putInt(1 + json.length)
                .put((byte) VERSION)
                .put(json)
                .array();
    }

    /** Writes one frame and flushes it: a frame is a whole message the peer is waiting for. */
    public static void write(OutputStream out, Map<String, Object> message) throws IOException {
        out.write(encode(message));
        out.flush();
    }

    /**
     * Reads one frame whose length L is at most {@code maxLength}, or returns null if the stream ends before a
     * frame begins. Buffers grow with the bytes that actually arrive, up to {@code maxLength}: a peer that claims
     * a large length and then sends nothing costs nothing.
     */
    public static Map<String, Object> read(InputStream in, int maxLength) throws IOException {
        byte[] header = in.readNBytes(Integer.BYTES);
        if (header.length == 0) return null;
        if (header.length < Integer.BYTES) {
            throw new FrameException("truncated frame header: expected " + Integer.BYTES + " bytes, got " + header.length);
        }
        long length = Integer.toUnsignedLong(ByteBuffer.wrap(header).getInt());
        if (length == 0) throw new FrameException("empty frame");
        int version = in.read();
        if (version < 0) throw new FrameException("truncated frame: expected " + length + " bytes, got 0");
        if (version != VERSION) {
            throw new FrameException("unsupported protocol version " + version + " (this side speaks " + VERSION + ")");
        }
        if (length > maxLength) throw new FrameException("frame of " + length + " bytes exceeds the limit of " + maxLength);
        // Not new byte[length]: readNBytes allocates chunk by chunk as the bytes come.
        byte[] json = in.readNBytes((int) length - 1);
        if (json.length < length - 1) {
            throw new FrameException("truncated frame: expected " + length + " bytes, got " + (1 + json.length));
        }
        Object message;
        try {
            message = JsonParser.parse(StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(json)).toString());
        } catch (CharacterCodingException e) {
            throw new FrameException("frame is not valid UTF-8");
        } catch (JsonParser.JsonException e) {
            throw new FrameException("invalid JSON " + e.getMessage());
        }
        if (!(message instanceof Map<?, ?>)) throw new FrameException("frame is not a JSON object");
        @SuppressWarnings("unchecked")
        Map<String, Object> object = (Map<String, Object>) message;
        return object;
    }
}
