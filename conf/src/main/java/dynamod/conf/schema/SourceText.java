package dynamod.conf.schema;

import java.util.List;

/** The lines of one configuration file, for finding where a value starts and for quoting a line in messages. */
public final class SourceText {

    private final List<String> lines;

    public SourceText(String text) {
        this.lines = text.lines().toList();
    }

    /** Line {@code n} (1-based), or the empty string past the end. */
    public String line(int n) {
        return n >= 1 && n <= lines.size() ? lines.get(n - 1) : "";
    }

    /**
     * The column where the value of the key at {@code line:keyColumn} starts: past the key (bare, dotted or
     * quoted), the {@code =} and blanks. Falls back to the key's column if the line does not have that shape.
     */
    public int valueColumn(int line, int keyColumn) {
        String text = line(line);
        int i = keyColumn - 1;
        if (i < 0 || i >= text.length()) return keyColumn;
        while (i < text.length() && text.charAt(i) != '=') {
            char c = text.charAt(i);
            if (c == '"' || c == '\'') {
                int close = text.indexOf(c, i + 1);
                if (close < 0) return keyColumn;
                i = close;
            }
            i++;
        }
        if (i >= text.length()) return keyColumn;
        i++;
        while (i < text.length() && (text.charAt(i) == ' ' || text.charAt(i) == '\t')) i++;
        return i < text.length() ? i + 1 : keyColumn;
    }
}
