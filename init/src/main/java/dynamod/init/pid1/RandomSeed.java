package dynamod.init.pid1;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * The random seed kept across boots: mixed into the kernel's pool at boot (written to /dev/urandom, which mixes
 * but credits no entropy), replaced at once by fresh bytes so that a crash never lets one seed be used twice, and
 * saved again at shutdown.
 */
public final class RandomSeed {

    public static final Path FILE = Path.of("/var/lib/dynamod/random-seed");
    static final int BYTES = 512;

    private RandomSeed() {}

    /** Returns how many bytes were mixed in (0 when there was no seed). */
    public static int load(Path file) throws IOException {
        if (!Files.exists(file)) {
            save(file);
            return 0;
        }
        byte[] seed = Files.readAllBytes(file);
        try (OutputStream urandom = Files.newOutputStream(Path.of("/dev/urandom"), StandardOpenOption.WRITE)) {
            urandom.write(seed, 0, Math.min(seed.length, BYTES));
        }
        save(file);
        return Math.min(seed.length, BYTES);
    }

    public static void save(Path file) throws IOException {
        byte[] fresh = new byte[BYTES];
        try (InputStream urandom = Files.newInputStream(Path.of("/dev/urandom"))) {
            int n = urandom.readNBytes(fresh, 0, BYTES);
            if (n < BYTES) throw new IOException("/dev/urandom gave " + n + " bytes");
        }
        Files.createDirectories(file.getParent());
        Path temporary = file.resolveSibling(file.getFileName() + ".new");
        Files.deleteIfExists(temporary);
        Files.createFile(temporary, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.write(temporary, fresh);
        Files.move(temporary, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }
}
