package dynamod.conf.spec;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CoderResult;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Reads environment files, the syntax systemd's {@code EnvironmentFile=} and shell-style {@code .env} files share:
 * <ul>
 * <li>Blank lines, and lines whose first non-blank character is {@code #} or {@code ;}, are comments.</li>
 * <li>Every other line is {@code KEY=VALUE}, optionally after {@code export }. KEY matches
 *     {@code [A-Za-z_][A-Za-z0-9_]*}; blanks (spaces, tabs) around {@code =} are ignored.</li>
 * <li>{@code 'single quotes'} keep their content literally.</li>
 * <li>{@code "double quotes"} understand {@code \"}, {@code \\}, {@code \$}, {@code \`} and {@code \n} (a newline);
 *     any other backslash stays, as in the shell, and a backslash at the end of a line joins the next one.</li>
 * <li>Quoted values may span lines. After the closing quote only blanks and a {@code #} comment may follow.</li>
 * <li>Unquoted values lose their surrounding blanks and a trailing comment (a {@code #} after a blank). A backslash
 *     takes the next character literally ({@code \#}, a kept trailing {@code \ }), and at the end of a line it
 *     joins the next line. Quotes inside an unquoted value are ordinary characters.</li>
 * <li>A later assignment of a variable replaces an earlier one (the variable keeps its first place).</li>
 * </ul>
 * {@code $VAR} is not expanded, as systemd does not expand it here either. NUL bytes are refused: an environment
 * cannot carry them. Lines end with LF or CRLF.
 */
public final class EnvironmentFiles {

    private EnvironmentFiles() {}

    /** More than any sane environment; reading stops there, so a mistaken path to a huge file cannot exhaust memory. */
    public static final int MAX_BYTES = 4 << 20;

    private static final Pattern NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

    /** Reads and parses the file; a missing optional file is empty. */
    public static Map<String, String> read(EnvironmentFile file) throws EnvironmentFileException {
        byte[] bytes;
        try (InputStream in = Files.newInputStream(file.path())) {
            bytes = in.readNBytes(MAX_BYTES + 1);
        } catch (NoSuchFileException e) {
            if (file.optional()) return new LinkedHashMap<>();
            throw new EnvironmentFileException(file.path(), 0, 0, "no such file");
        } catch (IOException e) {
            throw new EnvironmentFileException(file.path(), 0, 0, describe(e));
        }
        if (bytes.length > MAX_BYTES) {
            throw new EnvironmentFileException(file.path(), 0, 0, "larger than the limit of " + (MAX_BYTES >> 20) + " MiB");
        }
        return parse(file.path(), decode(file.path(), bytes));
    }

    /** Parses {@code text}, the content of {@code file} (named in errors only). */
    public static Map<String, String> parse(Path file, String text) throws EnvironmentFileException {
        return new Parser(file, text).variables();
    }

    private static String describe(IOException e) {
        return switch (e) {
            case AccessDeniedException _ -> "permission denied";
            case FileSystemException other when other.getReason() != null -> other.getReason();
            default -> e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
        };
    }

    /** Strict UTF-8, so that a damaged byte is reported where it is rather than turned into U+FFFD. */
    private static String decode(Path file, byte[] bytes) throws EnvironmentFileException {
        CharBuffer out = CharBuffer.allocate(bytes.length);
        CoderResult result = StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(bytes), out, true);
        String text = out.flip().toString();
        if (result.isError()) throw Parser.error(file, text, text.length(), "invalid UTF-8");
        // An editor's byte order mark would otherwise make the first name invalid, invisibly.
        return text.startsWith("\uFEFF") ? text.substring(1) : text;
    }

    private static final class Parser {

        private final Path file;
        private final String text;
        private int at;

        Parser(Path file, String text) {
            this.file = file;
            this.text = text;
        }

        Map<String, String> variables() throws EnvironmentFileException {
            int nul = text.indexOf('\0');
            if (nul >= 0) throw error(nul, "NUL byte");
            Map<String, String> variables = new LinkedHashMap<>();
            while (at < text.length()) {
                skipBlanks();
                int end = lineEnd();
                if (end == 0) break;
                if (end > 0) {
                    at += end;
                    continue;
                }
                int lineStart = at;
                if (text.charAt(at) == '#' || text.charAt(at) == ';') {
                    skipToLineEnd();
                    continue;
                }
                if (text.startsWith("export", at) && at + 6 < text.length() && isBlank(text.charAt(at + 6))) {
                    at += 6;
                    skipBlanks();
                }
                int keyStart = at;
                while (at < text.length() && text.charAt(at) != '=' && lineEnd() < 0) at++;
                if (at == text.length() || text.charAt(at) != '=') throw error(lineStart, "expected KEY=VALUE");
                String key = stripBlanks(text.substring(keyStart, at));
                if (key.isEmpty()) throw error(keyStart, "missing variable name before '='");
                if (!NAME.matcher(key).matches()) throw error(keyStart, "invalid variable name \"" + key + "\"");
                at++;
                skipBlanks();
                String value = at == text.length() ? "" : switch (text.charAt(at)) {
                    case '\'' -> singleQuoted();
                    case '"' -> doubleQuoted();
                    default -> unquoted();
                };
                variables.put(key, value);
            }
            return variables;
        }

        private String singleQuoted() throws EnvironmentFileException {
            int open = at;
            int close = text.indexOf('\'', open + 1);
            if (close < 0) throw error(open, "unterminated single quote");
            at = close + 1;
            afterClosingQuote();
            return text.substring(open + 1, close).replace("\r\n", "\n");
        }

        private String doubleQuoted() throws EnvironmentFileException {
            int open = at++;
            StringBuilder value = new StringBuilder();
            while (true) {
                if (at >= text.length()) throw error(open, "unterminated double quote");
                if (text.startsWith("\r\n", at)) {
                    value.append('\n');
                    at += 2;
                    continue;
                }
                char c = text.charAt(at++);
                if (c == '"') break;
                if (c != '\\') {
                    value.append(c);
                } else if (lineEnd() > 0) {
                    at += lineEnd();
                } else if (at < text.length()) {
                    char escaped = text.charAt(at++);
                    switch (escaped) {
                        case '"', '\\', '$', '`' -> value.append(escaped);
                        case 'n' -> value.append('\n');
                        default -> value.append('\\').append(escaped);
                    }
                }
            }
            afterClosingQuote();
            return value.toString();
        }

        private void afterClosingQuote() throws EnvironmentFileException {
            skipBlanks();
            if (at < text.length() && text.charAt(at) == '#') skipToLineEnd();
            else if (lineEnd() < 0) throw error(at, "unexpected text after closing quote");
        }

        private String unquoted() {
            StringBuilder value = new StringBuilder();
            int kept = 0; // the length without trailing blanks; an escaped blank is kept
            boolean afterBlank = isBlank(text.charAt(at - 1));
            while (lineEnd() < 0) {
                char c = text.charAt(at++);
                if (c == '#' && afterBlank) {
                    skipToLineEnd();
                    break;
                }
                if (c == '\\') {
                    if (lineEnd() > 0) {
                        at += lineEnd();
                    } else if (at < text.length()) {
                        value.append(text.charAt(at++));
                        kept = value.length();
                    }
                    afterBlank = false;
                    continue;
                }
                value.append(c);
                if (!isBlank(c)) kept = value.length();
                afterBlank = isBlank(c);
            }
            value.setLength(kept);
            return value.toString();
        }

        /** The length of the line break at {@code at}: 0 at the end of the text, -1 if not at a line break. */
        private int lineEnd() {
            if (at == text.length()) return 0;
            if (text.charAt(at) == '\n') return 1;
            return text.startsWith("\r\n", at) ? 2 : -1;
        }

        private void skipToLineEnd() {
            while (lineEnd() < 0) at++;
        }

        private void skipBlanks() {
            while (at < text.length() && isBlank(text.charAt(at))) at++;
        }

        private static boolean isBlank(char c) {
            return c == ' ' || c == '\t';
        }

        private static String stripBlanks(String s) {
            int end = s.length();
            while (end > 0 && isBlank(s.charAt(end - 1))) end--;
            return s.substring(0, end);
        }

        private EnvironmentFileException error(int offset, String reason) {
            return error(file, text, offset, reason);
        }

        /** An error at {@code offset} of {@code text}, placed by 1-based line and column (counted in code points). */
        static EnvironmentFileException error(Path file, String text, int offset, String reason) {
            int lineStart = text.lastIndexOf('\n', offset - 1) + 1;
            int line = 1 + (int) text.substring(0, lineStart).chars().filter(c -> c == '\n').count();
            return new EnvironmentFileException(file, line, text.codePointCount(lineStart, offset) + 1, reason);
        }
    }
}
