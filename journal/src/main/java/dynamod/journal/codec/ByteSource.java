package dynamod.journal.codec;

import java.nio.charset.StandardCharsets;

/**
 * Reads what {@link ByteSink} wrote, from untrusted bytes: every length and count is checked against what is
 * left, so damaged input ends in a {@link DecodeException}, never in a huge allocation or a loop.
 */
public final class ByteSource {

    private final byte[] bytes;
    private int position;
    private final int limit;

    public ByteSource(byte[] bytes, int offset, int length) {
        this.bytes = bytes;
        this.position = offset;
        this.limit = offset + length;
    }

    public int remaining() {
        return limit - position;
    }

    public int position() {
        return position;
    }

    private void need(int n) throws DecodeException {
        if (n < 0 || n > limit - position) throw new DecodeException("needs " + n + " bytes, " + (limit - position) + " left");
    }

    public int u8() throws DecodeException {
        need(1);
        return bytes[position++] & 0xff;
    }

    public int u16() throws DecodeException {
        need(2);
        int value = (bytes[position] & 0xff) | (bytes[position + 1] & 0xff) << 8;
        position += 2;
        return value;
    }

    public int i32() throws DecodeException {
        need(4);
        int value = 0;
        for (int i = 0; i < 4; i++) value |= (bytes[position++] & 0xff) << (8 * i);
        return value;
    }

    public long i64() throws DecodeException {
        need(8);
        long value = 0;
        for (int i = 0; i < 8; i++) value |= (bytes[position++] & 0xffL) << (8 * i);
        return value;
    }

    public long varint() throws DecodeException {
        long value = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            int b = u8();
            value |= (long) (b & 0x7f) << shift;
            if ((b & 0x80) == 0) return value;
        }
        throw new DecodeException("varint longer than 10 bytes");
    }

    public long zigzag() throws DecodeException {
        long raw = varint();
        return (raw >>> 1) ^ -(raw & 1);
    }

    /** A length or count that must fit in what is left ({@code unit} bytes per item at least). */
    public int count(int unit) throws DecodeException {
        long n = varint();
        if (n < 0 || n > remaining() / Math.max(1, unit)) throw new DecodeException("count " + n + " exceeds the " + remaining() + " bytes left");
        return (int) n;
    }

    public byte[] bytes() throws DecodeException {
        int length = count(1);
        byte[] value = new byte[length];
        System.arraycopy(bytes, position, value, 0, length);
        position += length;
        return value;
    }

    public String string() throws DecodeException {
        int length = count(1);
        String value = new String(bytes, position, length, StandardCharsets.UTF_8);
        position += length;
        return value;
    }
}
