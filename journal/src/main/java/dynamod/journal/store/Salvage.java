package dynamod.journal.store;

import dynamod.journal.codec.Frame;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Optional;

/**
 * Finds the next good frame in a damaged cycle file, without Chronicle: Chronicle's tailer stops at a zeroed
 * header and can throw at a broken one, so past damage we walk the file ourselves. A Chronicle excerpt is a
 * 4-byte little-endian header (bits 0–29 the length, bit 30 metadata, bit 31 not complete) and its bytes, each
 * starting at a multiple of 4. A frame is accepted only if its magic and CRC-32C hold, so random bytes are not
 * mistaken for one.
 */
public final class Salvage {

    private Salvage() {}

    private static final int NOT_COMPLETE = 0x80000000;
    private static final int METADATA = 0x40000000;
    private static final int LENGTH = 0x3fffffff;
    private static final int CHUNK = 1 << 16;
    private static final int MAX_FRAME = 1 << 24;

    /**
     * A frame found at {@code offset} (its header), {@code length} bytes long, saying it is event {@code seq};
     * {@code end} is where the next excerpt header may start.
     */
    public record Found(long offset, int length, long seq, byte[] frame, long end) {}

    /** The first good frame at or after {@code from}, scanning to the end of the file. */
    public static Optional<Found> next(Path file, long from) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = channel.size();
            long position = (from + 3) & ~3L;
            ByteBuffer chunk = ByteBuffer.allocate(CHUNK).order(ByteOrder.LITTLE_ENDIAN);
            long chunkStart = -1;
            while (position + 4 + Frame.HEADER <= size) {
                if (chunkStart < 0 || position + 8 > chunkStart + chunk.limit()) {
                    chunk.clear();
                    chunkStart = position;
                    channel.read(chunk, chunkStart);
                    chunk.flip();
                    if (chunk.limit() < 8) break;
                    if (isZero(chunk)) {
                        position = chunkStart + (chunk.limit() & ~3);
                        continue;
                    }
                }
                int at = (int) (position - chunkStart);
                int header = chunk.getInt(at);
                int magic = chunk.getInt(at + 4);
                int length = header & LENGTH;
                boolean candidate = (header & (NOT_COMPLETE | METADATA)) == 0 && magic == Frame.MAGIC
                        && length >= Frame.HEADER && length <= MAX_FRAME && position + 4 + length <= size;
                if (candidate) {
                    byte[] frame = new byte[length];
                    channel.read(ByteBuffer.wrap(frame), position + 4);
                    Frame.OptionalSeq seq = Frame.seqOf(frame, 0, length);
                    if (seq.present()) return Optional.of(new Found(position, length, seq.seq(), frame, (position + 4 + length + 3) & ~3L));
                }
                position += 4;
            }
            return Optional.empty();
        }
    }

    private static boolean isZero(ByteBuffer chunk) {
        for (int i = 0; i + 8 <= chunk.limit(); i += 8) if (chunk.getLong(i) != 0) return false;
        return true;
    }
}
