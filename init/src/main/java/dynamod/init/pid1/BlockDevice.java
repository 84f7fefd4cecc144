package dynamod.init.pid1;

import java.util.Optional;

/**
 * A block device as the initramfs sees it without udev: its name and number from {@code /sys/class/block}, what its
 * first bytes say (a filesystem superblock) and, for a partition, the PARTUUID its disk's partition table gives it.
 *
 * @param name the kernel's name ({@code vda1})
 * @param node the device node ({@code /dev/vda1})
 * @param partUuid for a partition: GPT unique GUID, or MBR {@code SSSSSSSS-NN}
 * @param partLabel for a GPT partition with a name: that name
 */
public record BlockDevice(String name, String node, int major, int minor, Optional<Filesystem> filesystem,
        Optional<String> partUuid, Optional<String> partLabel) {

    /** A filesystem found by its superblock. */
    public record Filesystem(String type, String uuid, String label) {}

    @Override
    public String toString() {
        return node + " (" + major + ":" + minor + filesystem.map(f -> ", " + f.type() + (f.uuid().isEmpty() ? "" : " UUID=" + f.uuid())
                + (f.label().isEmpty() ? "" : " LABEL=" + f.label())).orElse("") + partUuid.map(p -> ", PARTUUID=" + p).orElse("")
                + partLabel.map(p -> ", PARTLABEL=" + p).orElse("") + ")";
    }
}
