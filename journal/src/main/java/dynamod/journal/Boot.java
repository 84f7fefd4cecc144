package dynamod.journal;

import java.time.Instant;
import java.util.Map;
import java.util.OptionalLong;
import java.util.UUID;

/**
 * One boot as the journal saw it: its id, the time of its first and last event, and its range in each stream.
 *
 * @param ranges per stream: {first seq, last seq}
 */
public record Boot(UUID id, Instant first, Instant last, Map<Stream, long[]> ranges) {

    public Boot {
        ranges = Map.copyOf(ranges);
    }

    public OptionalLong firstSeq(Stream stream) {
        long[] range = ranges.get(stream);
        return range == null ? OptionalLong.empty() : OptionalLong.of(range[0]);
    }

    public OptionalLong lastSeq(Stream stream) {
        long[] range = ranges.get(stream);
        return range == null ? OptionalLong.empty() : OptionalLong.of(range[1]);
    }
}
