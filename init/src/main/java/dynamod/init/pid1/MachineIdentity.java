package dynamod.init.pid1;

import java.util.HexFormat;
import java.util.Locale;
import java.util.Optional;
import java.util.UUID;

/** The machine id and hostname rules (machine-id(5), hostname(5)), without the files. */
public final class MachineIdentity {

    /** Where the machine id goes. */
    public sealed interface IdAction {
        /** /etc/machine-id already holds a valid id. */
        record Keep(String id) implements IdAction {}

        /** Write it to /etc/machine-id. */
        record WriteEtc(String id) implements IdAction {}

        /** /etc is read-only: write /run/machine-id and bind-mount it over /etc/machine-id (when that file exists). */
        record WriteRun(String id) implements IdAction {}
    }

    private MachineIdentity() {}

    /** 32 lowercase hex digits, not all zero. */
    public static Optional<String> validId(String content) {
        if (content == null) return Optional.empty();
        String id = content.strip();
        if (!id.matches("[0-9a-fA-F]{32}") || id.chars().allMatch(c -> c == '0')) return Optional.empty();
        return Optional.of(id.toLowerCase(Locale.ROOT));
    }

    /**
     * @param etc what /etc/machine-id holds (null: missing or unreadable)
     * @param etcWritable whether /etc/machine-id can be written
     * @param containerUuid a container's {@code $container_uuid}, which a runtime may give as the id
     * @param random where a new id comes from when there is no other
     */
    public static IdAction machineId(String etc, boolean etcWritable, String containerUuid, UUID random) {
        Optional<String> existing = validId(etc);
        if (existing.isPresent()) return new IdAction.Keep(existing.get());
        String id = validId(containerUuid == null ? null : containerUuid.replace("-", ""))
                .orElseGet(() -> v4(random));
        return etcWritable ? new IdAction.WriteEtc(id) : new IdAction.WriteRun(id);
    }

    /** A random (version 4) UUID as 32 hex digits, as systemd makes them. */
    static String v4(UUID random) {
        byte[] b = new byte[16];
        long hi = random.getMostSignificantBits(), lo = random.getLeastSignificantBits();
        for (int i = 0; i < 8; i++) {
            b[i] = (byte) (hi >>> (56 - 8 * i));
            b[8 + i] = (byte) (lo >>> (56 - 8 * i));
        }
        b[6] = (byte) ((b[6] & 0x0f) | 0x40);
        b[8] = (byte) ((b[8] & 0x3f) | 0x80);
        return HexFormat.of().formatHex(b);
    }

    /**
     * The hostname /etc/hostname gives: its first line that is not a comment, trimmed; empty when there is none or
     * it is not a valid name (at most 64 bytes of letters, digits, '-' and '.', not starting with '-' or '.').
     */
    public static Optional<String> hostname(String etcHostname) {
        if (etcHostname == null) return Optional.empty();
        for (String line : etcHostname.split("\n")) {
            String name = line.strip();
            if (name.isEmpty() || name.startsWith("#")) continue;
            if (name.length() > 64 || !name.matches("[A-Za-z0-9][A-Za-z0-9.-]*") || name.contains("..")) return Optional.empty();
            return Optional.of(name);
        }
        return Optional.empty();
    }
}
