package dynamod.journal.store;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

/**
 * Everything Chronicle needs from the JVM, in one place. The JVM flags are the argument file
 * {@code dynamod/journal/chronicle.jvmargs} (a resource of this module): launchers pass it as {@code @FILE}, the
 * build gives it to every test JVM, and {@link #jvmFlags()} hands it to code that starts JVMs. The system
 * properties are also set here, in code, before any Chronicle class is initialised, in case a JVM was started
 * without the file: analytics off (it would look up a Google host), no disk-space monitor thread.
 */
public final class ChronicleRuntime {

    private ChronicleRuntime() {}

    public static final String JVM_ARGS_RESOURCE = "/dynamod/journal/chronicle.jvmargs";

    static {
        setDefault("chronicle.analytics.disable", "true");
        setDefault("chronicle.disk.monitor.disable", "true");
        // Chronicle logs through SLF4J; its warnings (lock recovery, file trouble) go to stderr, nothing below.
        setDefault("org.slf4j.simpleLogger.defaultLogLevel", "warn");
        setDefault("org.slf4j.simpleLogger.logFile", "System.err");
        setDefault("org.slf4j.simpleLogger.showThreadName", "false");
    }

    private static void setDefault(String key, String value) {
        if (System.getProperty(key) == null) System.setProperty(key, value);
    }

    /** Call before touching any Chronicle class; the static initialiser does the work, once. */
    public static void prepare() {}

    /** The JVM flags a process that opens a journal needs, as separate arguments. */
    public static List<String> jvmFlags() {
        try (InputStream in = ChronicleRuntime.class.getResourceAsStream(JVM_ARGS_RESOURCE)) {
            if (in == null) throw new IllegalStateException(JVM_ARGS_RESOURCE + " is missing from the classpath");
            return Arrays.stream(new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\\s+")).filter(s -> !s.isEmpty()).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
