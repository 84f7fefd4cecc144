package dynamod.svmgr.runtime;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * A user's home and shell from {@code /etc/passwd}, for the environment of a service that runs as that user. (The
 * exec helper resolves the ids itself through NSS; users only NSS knows get no HOME here.)
 */
record Passwd(String name, int uid, int gid, String home, String shell) {

    static Optional<Passwd> lookup(String user) {
        try {
            for (String line : Files.readAllLines(Path.of("/etc/passwd"))) {
                String[] f = line.split(":", -1);
                if (f.length < 7) continue;
                if (f[0].equals(user) || f[2].equals(user)) {
                    return Optional.of(new Passwd(f[0], Integer.parseInt(f[2]), Integer.parseInt(f[3]), f[5], f[6]));
                }
            }
        } catch (IOException | NumberFormatException e) {
            // no passwd entry to use
        }
        return Optional.empty();
    }
}
