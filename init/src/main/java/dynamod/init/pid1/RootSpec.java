package dynamod.init.pid1;

import java.util.Locale;

/**
 * Which block device: the kernel's {@code root=}, and the first field of an {@code /etc/fstab} line. Without udev
 * there are no {@code /dev/disk/by-*} links, so those paths are read as the tag they stand for.
 */
public sealed interface RootSpec {

    /** {@code root=/dev/vda1}: a device node (devtmpfs names it). */
    record DevicePath(String path) implements RootSpec {}

    /** {@code root=254:1}: a device number (major:minor). */
    record DeviceNumber(int major, int minor) implements RootSpec {}

    /** {@code root=UUID=...}: the filesystem's UUID, compared without regard to case. */
    record FsUuid(String uuid) implements RootSpec {}

    /** {@code root=PARTUUID=...}: the GPT partition's unique GUID, or an MBR disk signature with the partition number. */
    record PartUuid(String partUuid) implements RootSpec {}

    /** {@code root=LABEL=...}: the filesystem's label, exactly. */
    record Label(String label) implements RootSpec {}

    /** {@code root=PARTLABEL=...}: the GPT partition's name, exactly. */
    record PartLabel(String partLabel) implements RootSpec {}

    static RootSpec parse(String value) {
        if (value.isEmpty()) throw new IllegalArgumentException("empty");
        if (value.startsWith("UUID=")) return new FsUuid(nonEmpty(value.substring(5)).toLowerCase(Locale.ROOT));
        if (value.startsWith("PARTUUID=")) return new PartUuid(nonEmpty(value.substring(9)).toLowerCase(Locale.ROOT));
        if (value.startsWith("LABEL=")) return new Label(nonEmpty(value.substring(6)));
        if (value.startsWith("PARTLABEL=")) return new PartLabel(nonEmpty(value.substring(10)));
        String link = value.startsWith("/dev/disk/by-") ? value.substring("/dev/disk/by-".length()) : "";
        int slash = link.indexOf('/');
        if (slash > 0) {
            String tag = switch (link.substring(0, slash)) {
                case "uuid" -> "UUID=";
                case "label" -> "LABEL=";
                case "partuuid" -> "PARTUUID=";
                case "partlabel" -> "PARTLABEL=";
                default -> null; // by-id and by-path name hardware, which only udev knows: a path (not found)
            };
            if (tag != null) return parse(tag + udevUnescape(link.substring(slash + 1)));
        }
        if (value.startsWith("/dev/")) return new DevicePath(value);
        if (value.matches("[0-9]+:[0-9]+")) {
            String[] parts = value.split(":");
            return new DeviceNumber(Integer.parseInt(parts[0]), Integer.parseInt(parts[1]));
        }
        throw new IllegalArgumentException("expected /dev/NAME, MAJOR:MINOR, UUID=, PARTUUID=, LABEL= or PARTLABEL=");
    }

    /** udev writes a link's name with {@code \xNN} for blanks, slashes and the like. */
    private static String udevUnescape(String s) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            if (s.startsWith("\\x", i) && i + 4 <= s.length() && s.substring(i + 2, i + 4).matches("[0-9a-fA-F]{2}")) {
                out.append((char) Integer.parseInt(s.substring(i + 2, i + 4), 16));
                i += 3;
            } else {
                out.append(s.charAt(i));
            }
        }
        return out.toString();
    }

    private static String nonEmpty(String s) {
        if (s.isEmpty()) throw new IllegalArgumentException("nothing after '='");
        return s;
    }

    /** Whether this device is the one asked for. */
    default boolean matches(BlockDevice device) {
        return switch (this) {
            case DevicePath p -> p.path().equals(device.node()) || p.path().equals("/dev/" + device.name());
            case DeviceNumber n -> n.major() == device.major() && n.minor() == device.minor();
            case FsUuid u -> device.filesystem().map(f -> f.uuid().equalsIgnoreCase(u.uuid())).orElse(false);
            case PartUuid p -> device.partUuid().map(x -> x.equalsIgnoreCase(p.partUuid())).orElse(false);
            case Label l -> device.filesystem().map(f -> f.label().equals(l.label())).orElse(false);
            case PartLabel p -> device.partLabel().map(x -> x.equals(p.partLabel())).orElse(false);
        };
    }

    /** As it was written on the command line. */
    default String describe() {
        return switch (this) {
            case DevicePath p -> p.path();
            case DeviceNumber n -> n.major() + ":" + n.minor();
            case FsUuid u -> "UUID=" + u.uuid();
            case PartUuid p -> "PARTUUID=" + p.partUuid();
            case Label l -> "LABEL=" + l.label();
            case PartLabel p -> "PARTLABEL=" + p.partLabel();
        };
    }
}
