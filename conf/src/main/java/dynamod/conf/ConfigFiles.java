package dynamod.conf;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The I/O part of loading: finding and reading the files of a configuration directory. */
final class ConfigFiles {

    private ConfigFiles() {}

    /** Files larger than this are refused unread: no configuration file is anywhere near it. */
    static final long MAX_FILE_SIZE = 1 << 20;

    record Found(List<ConfigSource> sources, List<Diagnostic> problems, boolean singleFile) {}

    static Found find(Path path) {
        List<ConfigSource> sources = new ArrayList<>();
        List<Diagnostic> problems = new ArrayList<>();
        if (Files.isRegularFile(path)) {
            read(path, ConfigSource.Kind.BY_CONTENT, sources, problems);
            return new Found(sources, problems, true);
        }
        if (!Files.isDirectory(path)) {
            problems.add(Diagnostic.error(SourcePosition.wholeFile(path), Files.exists(path)
                    ? "not a configuration directory or file"
                    : "no such configuration directory or file"));
            return new Found(sources, problems, false);
        }
        Path services = path.resolve("services");
        Path supervisors = path.resolve("supervisors");
        if (!Files.isDirectory(services) && !Files.isDirectory(supervisors)) {
            problems.add(Diagnostic.error(SourcePosition.wholeFile(path),
                    "has neither services/ nor supervisors/; a configuration directory holds services/*.toml and supervisors/*.toml"));
            return new Found(sources, problems, false);
        }
        if (!Files.isDirectory(services)) {
            problems.add(Diagnostic.warning(SourcePosition.wholeFile(services), "no services directory: no services are configured"));
        }
        readDirectory(services, ConfigSource.Kind.SERVICE, sources, problems);
        readDirectory(supervisors, ConfigSource.Kind.SUPERVISOR, sources, problems);
        return new Found(sources, problems, false);
    }

    /** Every {@code *.toml} file, sorted by name; hidden files (editor backups, swap files) are skipped. */
    private static void readDirectory(Path dir, ConfigSource.Kind kind, List<ConfigSource> sources, List<Diagnostic> problems) {
        if (!Files.isDirectory(dir)) return;
        List<Path> files = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir, "*.toml")) {
            for (Path entry : entries) {
                if (!entry.getFileName().toString().startsWith(".") && !Files.isDirectory(entry)) files.add(entry);
            }
        } catch (IOException | RuntimeException e) {
            problems.add(Diagnostic.error(SourcePosition.wholeFile(dir), "cannot list the directory: " + describe(e)));
            return;
        }
        files.sort(null);
        for (Path file : files) read(file, kind, sources, problems);
    }

    private static void read(Path file, ConfigSource.Kind kind, List<ConfigSource> sources, List<Diagnostic> problems) {
        try {
            long size = Files.size(file);
            if (size > MAX_FILE_SIZE) {
                problems.add(Diagnostic.error(SourcePosition.wholeFile(file),
                        "the file is " + size + " bytes; configuration files are limited to " + MAX_FILE_SIZE + " bytes"));
                return;
            }
            sources.add(new ConfigSource(file, Files.readAllBytes(file), kind));
        } catch (IOException | RuntimeException e) {
            String why = Files.isSymbolicLink(file) && !Files.exists(file) ? "it is a symbolic link to a missing file" : describe(e);
            problems.add(Diagnostic.error(SourcePosition.wholeFile(file), "cannot read the file: " + why));
        }
    }

    private static String describe(Exception e) {
        if (e instanceof java.nio.file.AccessDeniedException) return "permission denied";
        if (e instanceof java.nio.file.NoSuchFileException) return "it disappeared while being read";
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }
}
