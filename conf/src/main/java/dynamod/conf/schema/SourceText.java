package dynamod.conf.schema;

import java.util.ArrayList;
import java.util.List;

/**
 * The lines of one configuration file as TOML counts them (a line ends at LF; CRLF counts as one end, a lone CR
 * does not), for finding where a value starts and for quoting a line in messages. Columns are code points, as
 * tomlj counts them.
 */
public final class SourceText {

    private final List<String> lines;

    public SourceText(String text) {
        List<String> split = new ArrayList<>();
        int start = 0;
        for (int i = 0; i <= text.length(); i++) {
            if (i == text.length() || text.charAt(i) == '\n') {
                int end = i > start && text.charAt(i - 1) == '\r' && i < text.length() ? i - 1 : i;
                if (i < text.length() || start < text.length()) split.add(text.substring(start, end));
                start = i + 1;
            }
        }
        this.lines = List.copyOf(split);
    }

    public List<String> lines() {
        return lines;
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
        int i = charIndex(text, keyColumn);
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
        return i < text.length() ? text.codePointCount(0, i) + 1 : keyColumn;
    }

    /**
     * The literal as written at {@code line:column} (a number, boolean or date): up to a blank, comma, closing
     * brace or bracket, or comment. Empty when the position is not on the line.
     */
    public String literalAt(int line, int column) {
        String text = line(line);
        int start = charIndex(text, column);
        if (start < 0 || start >= text.length()) return "";
        int end = start;
        while (end < text.length() && " \t,}]#".indexOf(text.charAt(end)) < 0) end++;
        return text.substring(start, end);
    }

    /** The char index of a 1-based code point column, or -1 past the end of the line. */
    private static int charIndex(String text, int column) {
        int points = text.codePointCount(0, text.length());
        if (column < 1 || column > points) return -1;
        return text.offsetByCodePoints(0, column - 1);
    }
}
