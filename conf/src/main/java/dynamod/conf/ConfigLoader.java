package dynamod.conf;

import dynamod.conf.load.Loading;
import java.nio.file.Path;
import java.util.List;

/**
 * Loads a configuration: a directory with {@code services/*.toml} and {@code supervisors/*.toml}, or a single
 * file. Every problem is collected as a {@link Diagnostic}; nothing is thrown for bad input. The result holds the
 * valid specs; the consumer decides what to run.
 */
public final class ConfigLoader {

    private ConfigLoader() {}

    /** The default configuration directory of a booted system. */
    public static final String DEFAULT_DIRECTORY = "/etc/dynamod";

    /** Reads and loads a configuration directory, or a single service or supervisor file. */
    public static LoadResult load(Path path) {
        ConfigFiles.Found found = ConfigFiles.find(path);
        return Loading.load(found.sources(), found.problems(), found.singleFile());
    }

    /**
     * Reads the files of a configuration directory (or one file) without loading them: what a manager hands to its
     * core, which loads them. Problems reading them show up when they are loaded with {@link #load(Path)}.
     */
    public static List<ConfigSource> sources(Path path) {
        return ConfigFiles.find(path).sources();
    }

    /** Loads files already in memory (no I/O): what {@link #load(Path)} does after reading them. */
    public static LoadResult load(List<ConfigSource> sources) {
        boolean single = sources.size() == 1 && sources.getFirst().kind() == ConfigSource.Kind.BY_CONTENT;
        return Loading.load(sources, List.of(), single);
    }
}
