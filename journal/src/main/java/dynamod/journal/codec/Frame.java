package dynamod.journal.codec;

import dynamod.journal.Origin;
import dynamod.journal.Recorded;
import dynamod.journal.Stream;
import dynamod.journal.event.Event;
import dynamod.journal.event.EventTypes;
import java.util.Optional;
import java.util.UUID;
import java.util.zip.CRC32C;

/**
 * The one codec of the journal: how an event and its envelope become the bytes of one excerpt, and back.
 *
 * <pre>
 * offset  size  field
 *  0       4    magic "DMJ1" (0x314a4d44 little-endian): also lets a salvage scan find frames in damaged files
 *  4       2    event type id (EventTypes)
 *  6       1    event type version
 *  7       1    frame flags (0)
 *  8       4    CRC-32C of bytes 4..8 and 12..end (all but the magic and itself)
 * 12       8    seq (the queue's index of this excerpt)
 * 20       8    realtime, ns since the epoch
 * 28       8    monotonic, ns
 * 36      16    boot id
 * 52       1    origin code
 * 53       4    origin pid
 * 57       …    the event's fields (RecordCodec)
 * </pre>
 *
 * All integers little-endian. A frame whose magic, length or CRC is wrong is damaged; one of an unknown type or
 * version is skipped by readers that do not know it.
 */
public final class Frame {

    private Frame() {}

    public static final int MAGIC = 0x314a4d44;
    public static final int HEADER = 57;
    private static final int CRC_AT = 8;
    private static final int SEQ_AT = 12;

    /** The payload of an event, independent of its envelope: encoded once, outside the queue's lock. */
    public static void payload(Event event, ByteSink out) {
        encode(event, out);
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static void encode(Event event, ByteSink out) {
        RecordCodec codec = RecordCodec.of((Class) event.getClass());
        codec.write((Record) event, out);
    }

    /** The whole frame: envelope fields, then the already encoded payload; the CRC covers both. */
    public static void frame(EventTypes.Type type, long seq, long realtimeNanos, long monotonicNanos, UUID bootId,
            Origin origin, int pid, ByteSink payload, ByteSink out) {
        out.clear();
        out.i32(MAGIC);
        out.u16(type.id());
        out.u8(type.version());
        out.u8(0);
        out.i32(0);
        out.i64(seq);
        out.i64(realtimeNanos);
        out.i64(monotonicNanos);
        out.i64(bootId.getMostSignificantBits());
        out.i64(bootId.getLeastSignificantBits());
        out.u8(origin.code());
        out.i32(pid);
        out.raw(payload.array(), 0, payload.size());
        out.i32At(CRC_AT, crc(out.array(), 0, out.size()));
    }

    /** What reading one excerpt gives. */
    public sealed interface Decoded {
        /** A good frame of a known type. */
        record Ok(Recorded recorded) implements Decoded {}

        /** A good frame (its CRC holds) of a type or version this reader does not know. */
        record Unknown(long seq, int typeId, int version) implements Decoded {}

        /** Not a good frame: damaged bytes. */
        record Damaged(String reason) implements Decoded {}
    }

    public static Decoded decode(Stream stream, byte[] bytes, int offset, int length) {
        if (length < HEADER) return new Decoded.Damaged("frame of " + length + " bytes, shorter than its header");
        ByteSource in = new ByteSource(bytes, offset, length);
        try {
            if (in.i32() != MAGIC) return new Decoded.Damaged("no frame magic");
            int typeId = in.u16();
            int version = in.u8();
            in.u8();
            int crc = in.i32();
            if (crc(bytes, offset, length) != crc) return new Decoded.Damaged("checksum mismatch");
            long seq = in.i64();
            long realtime = in.i64();
            long monotonic = in.i64();
            UUID boot = new UUID(in.i64(), in.i64());
            Origin origin = Origin.ofCode(in.u8());
            int pid = in.i32();
            Optional<EventTypes.Type> type = EventTypes.of(typeId, version);
            Optional<EventTypes.OldVersion> old = type.isEmpty() ? EventTypes.old(typeId, version) : Optional.empty();
            if ((type.isEmpty() && old.isEmpty()) || origin == null) return new Decoded.Unknown(seq, typeId, version);
            Event event = type.isPresent()
                    ? (Event) codecOf(type.get().record()).read(in)
                    : old.get().upgrade().apply(shapeCodec(old.get().shape()).read(in));
            if (in.remaining() != 0) return new Decoded.Damaged(in.remaining() + " bytes after the event");
            return new Decoded.Ok(new Recorded(stream, seq, realtime, monotonic, boot, origin, pid, event));
        } catch (DecodeException e) {
            // The checksum held, so these are bytes a writer meant: a shape this reader does not understand.
            return new Decoded.Damaged("undecodable: " + e.getMessage());
        }
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static RecordCodec<?> codecOf(Class<? extends Event> type) {
        return RecordCodec.of((Class) type);
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static RecordCodec<Record> shapeCodec(Class<? extends Record> shape) {
        return RecordCodec.of((Class) shape);
    }

    /** The seq a frame says it has, if its magic and checksum hold: what a salvage scan resumes from. */
    public static OptionalSeq seqOf(byte[] bytes, int offset, int length) {
        if (length < HEADER) return OptionalSeq.NONE;
        ByteSource in = new ByteSource(bytes, offset, length);
        try {
            if (in.i32() != MAGIC) return OptionalSeq.NONE;
            in.u16();
            in.u8();
            in.u8();
            int crc = in.i32();
            if (crc(bytes, offset, length) != crc) return OptionalSeq.NONE;
            return new OptionalSeq(true, in.i64());
        } catch (DecodeException e) {
            return OptionalSeq.NONE;
        }
    }

    /** A seq, or none; a record instead of OptionalLong so salvage code reads plainly. */
    public record OptionalSeq(boolean present, long seq) {
        static final OptionalSeq NONE = new OptionalSeq(false, -1);
    }

    /** The checksum of a frame at {@code offset}: its type, version and flags, and everything after the checksum. */
    private static int crc(byte[] bytes, int offset, int length) {
        CRC32C crc = new CRC32C();
        crc.update(bytes, offset + 4, CRC_AT - 4);
        crc.update(bytes, offset + SEQ_AT, length - SEQ_AT);
        return (int) crc.getValue();
    }
}
