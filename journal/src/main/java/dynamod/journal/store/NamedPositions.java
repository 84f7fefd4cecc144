package dynamod.journal.store;

import dynamod.journal.Stream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalLong;
import java.util.regex.Pattern;

/**
 * Where each projection (logd's indexer, a D-Bus service) got to: one small file per stream and name holding the
 * seq of the last event it processed, replaced atomically on each commit. Separate from Chronicle's named tailers
 * so that the projection decides when an event counts as processed.
 */
public final class NamedPositions {

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,63}");

    private final Path directory;
    private final FileSecurity security;

    public NamedPositions(Path journalDirectory, FileSecurity security) {
        this.directory = journalDirectory.resolve("positions");
        this.security = security;
    }

    public static void checkName(String name) {
        if (!NAME.matcher(name).matches()) throw new IllegalArgumentException("not a position name: " + name);
    }

    public OptionalLong load(Stream stream, String name) {
        checkName(name);
        Path file = directory.resolve(stream.directory() + "." + name);
        try {
            String text = Files.readString(file, StandardCharsets.UTF_8).strip();
            return OptionalLong.of(Long.parseLong(text));
        } catch (IOException | NumberFormatException e) {
            return OptionalLong.empty();
        }
    }

    public void store(Stream stream, String name, long lastProcessedSeq) throws IOException {
        checkName(name);
        security.directory(directory);
        security.writeAtomically(directory.resolve(stream.directory() + "." + name),
                (lastProcessedSeq + "\n").getBytes(StandardCharsets.UTF_8), false);
    }
}
