package dynamod.journal.codec;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/** A growable byte buffer with the primitives the codec writes: fixed-width little-endian and zigzag varints. */
public final class ByteSink {

    private byte[] bytes;
    private int size;

    public ByteSink(int capacity) {
        bytes = new byte[Math.max(16, capacity)];
    }

    public void clear() {
        size = 0;
    }

    public int size() {
        return size;
    }

    public byte[] array() {
        return bytes;
    }

    public byte[] toByteArray() {
        return Arrays.copyOf(bytes, size);
    }

    private void ensure(int more) {
        if (size + more > bytes.length) bytes = Arrays.copyOf(bytes, Math.max(bytes.length * 2, size + more));
    }

    public void u8(int value) {
        ensure(1);
        bytes[size++] = (byte) value;
    }

    public void u16(int value) {
        ensure(2);
        bytes[size++] = (byte) value;
        bytes[size++] = (byte) (value >>> 8);
    }

    public void i32(int value) {
        ensure(4);
        for (int i = 0; i < 4; i++) bytes[size++] = (byte) (value >>> (8 * i));
    }

    public void i64(long value) {
        ensure(8);
        for (int i = 0; i < 8; i++) bytes[size++] = (byte) (value >>> (8 * i));
    }

    /** Overwrites 4 bytes at {@code at} (for a checksum computed after the rest). */
    public void i32At(int at, int value) {
        for (int i = 0; i < 4; i++) bytes[at + i] = (byte) (value >>> (8 * i));
    }

    /** Overwrites 8 bytes at {@code at}. */
    public void i64At(int at, long value) {
        for (int i = 0; i < 8; i++) bytes[at + i] = (byte) (value >>> (8 * i));
    }

    /** An unsigned LEB128 varint. */
    public void varint(long value) {
        ensure(10);
        while ((value & ~0x7fL) != 0) {
            bytes[size++] = (byte) ((value & 0x7f) | 0x80);
            value >>>= 7;
        }
        bytes[size++] = (byte) value;
    }

    /** A signed value as a zigzag varint: small magnitudes take few bytes. */
    public void zigzag(long value) {
        varint((value << 1) ^ (value >> 63));
    }

    public void bytes(byte[] value) {
        varint(value.length);
        raw(value, 0, value.length);
    }

    public void raw(byte[] value, int offset, int length) {
        ensure(length);
        System.arraycopy(value, offset, bytes, size, length);
        size += length;
    }

    public void string(String value) {
        bytes(value.getBytes(StandardCharsets.UTF_8));
    }
}
