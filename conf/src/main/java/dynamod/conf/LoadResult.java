package dynamod.conf;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What loading a configuration produced: the valid specs, every diagnostic (sorted by position), the names that
 * were declared but not loaded, and a content hash of the files read (SHA-256 over their names and bytes).
 *
 * @param serviceFiles service files read (each defines one service, valid or not)
 * @param supervisorFiles supervisor files read
 * @param partial true when a single file was loaded on its own: references to other files were not checked
 */
public record LoadResult(
        Configuration configuration,
        List<Diagnostic> diagnostics,
        Set<String> rejectedServices,
        Set<String> rejectedSupervisors,
        int serviceFiles,
        int supervisorFiles,
        String contentHash,
        boolean partial,
        Map<Path, List<String>> sourceLines) {

    public LoadResult {
        diagnostics = diagnostics.stream().sorted(Diagnostic.BY_POSITION).toList();
        rejectedServices = Set.copyOf(rejectedServices);
        rejectedSupervisors = Set.copyOf(rejectedSupervisors);
        sourceLines = Map.copyOf(sourceLines);
    }

    public int filesRead() {
        return serviceFiles + supervisorFiles;
    }

    /** Supervisors loaded from files: the configured ones, without a built-in root. */
    public long configuredSupervisors() {
        return configuration.supervisors().values().stream().filter(s -> s.origin().isPresent()).count();
    }

    public long errorCount() {
        return diagnostics.stream().filter(Diagnostic::isError).count();
    }

    public long warningCount() {
        return diagnostics.size() - errorCount();
    }

    public boolean hasErrors() {
        return errorCount() > 0;
    }

    /** The text of the line a position points at, or empty when it points at no line of a file read. */
    public String lineAt(SourcePosition position) {
        List<String> lines = sourceLines.get(position.file());
        if (lines == null || position.line() < 1 || position.line() > lines.size()) return "";
        return lines.get(position.line() - 1);
    }
}
