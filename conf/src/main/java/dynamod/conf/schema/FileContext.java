package dynamod.conf.schema;

import dynamod.conf.Diagnostic;
import dynamod.conf.Diagnostic.Note;
import dynamod.conf.SourcePosition;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.tomlj.TomlArray;
import org.tomlj.TomlPosition;
import org.tomlj.TomlTable;

/** One file being read: turns tomlj positions into {@link SourcePosition}s and collects its diagnostics. */
public final class FileContext {

    private final Path file;
    private final SourceText text;
    private final List<Diagnostic> diagnostics = new ArrayList<>();
    private boolean hasErrors;

    public FileContext(Path file, SourceText text) {
        this.file = file;
        this.text = text;
    }

    public Path file() {
        return file;
    }

    /** The literal written at a position, or {@code fallback} when the source does not show one there. */
    public String literalAt(SourcePosition position, String fallback) {
        String literal = text.literalAt(position.line(), position.column());
        return literal.isEmpty() ? fallback : literal;
    }

    public SourcePosition start() {
        return new SourcePosition(file, 1, 1);
    }

    public SourcePosition at(TomlPosition position) {
        return position == null ? start() : new SourcePosition(file, position.line(), position.column());
    }

    /** Where the key itself is written. */
    public SourcePosition keyOf(TomlTable table, String key) {
        return at(table.inputPositionOf(List.of(key)));
    }

    /** Where the value of the key starts, so a caret points at what is wrong. */
    public SourcePosition valueOf(TomlTable table, String key) {
        TomlPosition position = table.inputPositionOf(List.of(key));
        if (position == null) return start();
        return new SourcePosition(file, position.line(), text.valueColumn(position.line(), position.column()));
    }

    public SourcePosition element(TomlArray array, int index) {
        return at(array.inputPositionOf(index));
    }

    public void error(SourcePosition position, String message, Note... notes) {
        hasErrors = true;
        diagnostics.add(Diagnostic.error(position, message, notes));
    }

    public void warning(SourcePosition position, String message, Note... notes) {
        diagnostics.add(Diagnostic.warning(position, message, notes));
    }

    public boolean hasErrors() {
        return hasErrors;
    }

    public List<Diagnostic> diagnostics() {
        return List.copyOf(diagnostics);
    }
}
