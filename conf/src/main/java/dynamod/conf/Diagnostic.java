package dynamod.conf;

import java.util.Comparator;
import java.util.List;

/**
 * One problem found while loading a configuration, printed as {@code FILE:LINE:COL: error|warning: message},
 * followed by its notes ({@code FILE:LINE:COL: note: ...}) that point at related places, such as each edge
 * of a dependency cycle or the first definition of a duplicate name.
 */
public record Diagnostic(Severity severity, SourcePosition position, String message, List<Note> notes) {

    /** A related place and what it has to do with the diagnostic. */
    public record Note(SourcePosition position, String message) {
        @Override
        public String toString() {
            return position + ": note: " + message;
        }
    }

    /** Order of presentation: by file, then line, then column, errors before warnings at one place. */
    public static final Comparator<Diagnostic> BY_POSITION = Comparator
            .comparing((Diagnostic d) -> d.position().file().toString())
            .thenComparingInt(d -> d.position().line())
            .thenComparingInt(d -> d.position().column())
            .thenComparing(Diagnostic::severity)
            .thenComparing(Diagnostic::message);

    public Diagnostic {
        notes = List.copyOf(notes);
    }

    public static Diagnostic error(SourcePosition position, String message, Note... notes) {
        return new Diagnostic(Severity.ERROR, position, message, List.of(notes));
    }

    public static Diagnostic warning(SourcePosition position, String message, Note... notes) {
        return new Diagnostic(Severity.WARNING, position, message, List.of(notes));
    }

    public boolean isError() {
        return severity == Severity.ERROR;
    }

    /** The first line, {@code FILE:LINE:COL: severity: message}. */
    public String headline() {
        return position + ": " + severity.label() + ": " + message;
    }

    /** The headline and each note on its own line. */
    @Override
    public String toString() {
        StringBuilder text = new StringBuilder(headline());
        for (Note note : notes) text.append('\n').append(note);
        return text.toString();
    }
}
