package dynamod.ctl.out;

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
        out.println(style.bold(diagnostic.position() + ":") + " " + label + ": " + diagnostic.message());
        excerpt(diagnostic.position(), result);
        for (Diagnostic.Note note : diagnostic.notes()) {
            out.println(style.bold(note.position() + ":") + " " + style.cyan("note") + ": " + note.message());
            if (!note.position().equals(diagnostic.position())) excerpt(note.position(), result);
        }
    }

    /** The line and a caret, with tabs kept so the caret lines up; nothing for whole-file positions. */
    private void excerpt(SourcePosition position, LoadResult result) {
        if (position.isWholeFile()) return;
        String line = result.lineAt(position);
        if (line.isBlank() || line.length() > 200) return;
        String gutter = String.format("%5d | ", position.line());
        out.println(style.dim(gutter) + line);
        StringBuilder caret = new StringBuilder();
        for (int i = 0; i < position.column() - 1 && i < line.length(); i++) caret.append(line.charAt(i) == '\t' ? '\t' : ' ');
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
