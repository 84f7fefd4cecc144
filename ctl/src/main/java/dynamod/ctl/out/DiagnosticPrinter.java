package dynamod.ctl.out;

import dynamod.journal.text.Json;
import dynamod.conf.Diagnostic;
import dynamod.conf.LoadResult;
import dynamod.conf.SourcePosition;
import java.io.PrintWriter;
import java.util.List;
import java.util.Map;

/**
 * Prints diagnostics as compilers do: {@code FILE:LINE:COL: error: message}, then the source line with a caret
 * under the column, then the notes. The first line of each is stable for scripts and editors.
 */
public final class DiagnosticPrinter {

    private final PrintWriter out;
    private final Style style;

    public DiagnosticPrinter(PrintWriter out, Style style) {
        this.out = out;
        this.style = style;
    }

    public void print(LoadResult result) {
        for (Diagnostic diagnostic : result.diagnostics()) print(diagnostic, result);
    }

    private void print(Diagnostic diagnostic, LoadResult result) {
        String label = diagnostic.isError() ? style.red("error") : style.yellow("warning");
        out.println(style.bold(diagnostic.position() + ":") + " " + label + ": " + style.text(diagnostic.message()));
        excerpt(diagnostic.position(), result);
        for (Diagnostic.Note note : diagnostic.notes()) {
            out.println(style.bold(note.position() + ":") + " " + style.cyan("note") + ": " + style.text(note.message()));
            if (!note.position().equals(diagnostic.position())) excerpt(note.position(), result);
        }
    }

    /**
     * The line and a caret under the column (columns count code points, as the positions do), with tabs kept so the
     * caret lines up; control characters are shown as {@code ?} so a file cannot write escape sequences to the
     * terminal. Nothing for whole-file positions.
     */
    private void excerpt(SourcePosition position, LoadResult result) {
        if (position.isWholeFile()) return;
        String line = result.lineAt(position);
        if (line.isBlank() || line.length() > 200) return;
        StringBuilder shown = new StringBuilder();
        StringBuilder caret = new StringBuilder();
        int column = 1;
        for (int i = 0; i < line.length(); column++) {
            int c = line.codePointAt(i);
            i += Character.charCount(c);
            boolean control = c != '\t' && (c < 0x20 || (c >= 0x7f && c < 0xa0));
            shown.appendCodePoint(control ? '?' : c);
            if (column < position.column()) caret.append(c == '\t' ? '\t' : ' ');
        }
        String gutter = String.format("%5d | ", position.line());
        out.println(style.dim(gutter) + style.text(shown.toString()));
        out.println(style.dim(" ".repeat(gutter.length() - 2) + "| ") + caret + style.green("^"));
    }

    /** The diagnostics as JSON objects. */
    public static List<Map<String, Object>> toJson(List<Diagnostic> diagnostics) {
        return diagnostics.stream().map(d -> {
            Map<String, Object> json = position(d.position());
            json.put("severity", d.severity().label());
            json.put("message", d.message());
            json.put("notes", d.notes().stream().map(n -> {
                Map<String, Object> note = position(n.position());
                note.put("message", n.message());
                return note;
            }).toList());
            return json;
        }).toList();
    }

    private static Map<String, Object> position(SourcePosition position) {
        Map<String, Object> json = Json.object();
        json.put("file", position.file().toString());
        json.put("line", position.line());
        json.put("column", position.column());
        return json;
    }
}
