package dynamod.vmtest;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;

/**
 * The image vmtest/build-image.sh built: what its {@code image.properties} names (docs/vmtest.md).
 *
 * @param rootDisk the root file system as a bare ext4 image ({@code /dev/vda} in the guest)
 * @param rootGptDisk the same file system as partition 1 of a GPT disk ({@code /dev/vda1})
 * @param dataDisk a small ext4 disk that the root's /etc/fstab mounts on /data by its label ({@code nofail})
 */
public record VmImage(Path kernel, String kernelVersion, Path initramfs, Path rootDisk, Path rootGptDisk, String rootUuid,
        String rootLabel, String rootPartUuid, Path dataDisk, String dataLabel) {

    /** System property naming the build directory (build-image.sh's DYNAMOD_VM_BUILD). */
    public static final String BUILD_PROPERTY = "dynamod.vmtest.build";

    /** The image in the {@value #BUILD_PROPERTY} directory. */
    public static VmImage fromBuildProperty() throws IOException {
        String dir = System.getProperty(BUILD_PROPERTY);
        if (dir == null || dir.isBlank()) {
            throw new IllegalStateException("-D" + BUILD_PROPERTY + " is not set (mvn -pl vmtest verify sets it)");
        }
        return load(Path.of(dir));
    }

    /** The image described by {@code buildDir/image.properties}; every file it names must exist. */
    public static VmImage load(Path buildDir) throws IOException {
        Path file = buildDir.resolve("image.properties");
        if (!Files.isRegularFile(file)) {
            throw new IllegalStateException("no VM image in " + buildDir + " (no image.properties): build it with "
                    + "vmtest/build-image.sh, as root, or skip the VM tests with -Ddynamod.vmtest.skip=true");
        }
        Properties p = new Properties();
        try (Reader in = Files.newBufferedReader(file)) {
            p.load(in);
        }
        VmImage image = new VmImage(path(p, file, "kernel"), value(p, file, "kernel.version"), path(p, file, "initramfs"),
                path(p, file, "root.disk"), path(p, file, "root.gpt.disk"), value(p, file, "root.uuid"),
                value(p, file, "root.label"), value(p, file, "root.gpt.partuuid"), path(p, file, "data.disk"),
                value(p, file, "data.label"));
        for (Path f : new Path[] {image.kernel, image.initramfs, image.rootDisk, image.rootGptDisk, image.dataDisk}) {
            if (!Files.isRegularFile(f)) throw new IllegalStateException(file + " names " + f + ", which does not exist");
        }
        return image;
    }

    private static String value(Properties p, Path file, String key) {
        String v = p.getProperty(key);
        if (v == null || v.isBlank()) throw new IllegalStateException(file + " has no " + key);
        return v.trim();
    }

    private static Path path(Properties p, Path file, String key) {
        return Path.of(value(p, file, key));
    }
}
