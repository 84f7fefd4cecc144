package dynamod.conf.spec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EnvironmentFilesTest {

    private static final Path FILE = Path.of("/etc/default/app");

    private static Map<String, String> parse(String text) throws EnvironmentFileException {
        return EnvironmentFiles.parse(FILE, text);
    }

    private static String value(String text) throws EnvironmentFileException {
        Map<String, String> variables = parse(text);
        assertEquals(1, variables.size(), variables::toString);
        return variables.values().iterator().next();
    }

    private static EnvironmentFileException failure(String text) {
        return assertThrows(EnvironmentFileException.class, () -> parse(text));
    }

    @Test
    void commentsAndBlankLinesAreSkipped() throws EnvironmentFileException {
        assertEquals(Map.of("A", "1", "B", "2"), parse("# a comment\n\n   \n\t; another\nA=1\n  # indented\nB=2\n"));
        assertEquals(Map.of(), parse(""));
        assertEquals(Map.of(), parse("\n\n# only comments"));
    }

    @Test
    void exportIsOptional() throws EnvironmentFileException {
        assertEquals(Map.of("A", "1", "B", "2"), parse("export A=1\nexport\tB=2"));
        assertEquals(Map.of("export", "x", "exported", "y"), parse("export=x\nexported=y"));
    }

    @Test
    void blanksAroundTheEqualsSignAndAnUnquotedValueAreTrimmed() throws EnvironmentFileException {
        assertEquals(Map.of("A", "hello world"), parse("  A \t=   hello world \t \n"));
        assertEquals(Map.of("EMPTY", "", "ALSO", ""), parse("EMPTY=\nALSO=   "));
        assertEquals("no newline at the end", value("A=no newline at the end"));
    }

    @Test
    void singleQuotesAreLiteral() throws EnvironmentFileException {
        assertEquals("  $HOME \\n \"x\" # not a comment ", value("A='  $HOME \\n \"x\" # not a comment '"));
        assertEquals("", value("A=''"));
    }

    @Test
    void doubleQuotesUnderstandAFewEscapes() throws EnvironmentFileException {
        assertEquals("say \"hi\" \\ $HOME `cmd`", value("A=\"say \\\"hi\\\" \\\\ \\$HOME \\`cmd\\`\""));
        assertEquals("one\ntwo", value("A=\"one\\ntwo\""));
        assertEquals("\\t \\a \\'", value("A=\"\\t \\a \\'\""), "other escapes keep their backslash");
        assertEquals(" padded ", value("A=  \" padded \"  "));
        assertEquals("joined", value("A=\"join\\\ned\""), "a backslash at the end of a line joins the next");
    }

    @Test
    void quotedValuesMaySpanLines() throws EnvironmentFileException {
        assertEquals(Map.of("A", "line one\nline two", "B", "x\n  y"), parse("A=\"line one\nline two\"\nB='x\n  y'\n"));
        assertEquals(Map.of("A", "one\ntwo", "B", "3"), parse("A='one\r\ntwo'\r\nB=3\r\n"), "CRLF becomes LF");
    }

    @Test
    void aCommentMayFollowAClosingQuote() throws EnvironmentFileException {
        assertEquals(Map.of("A", "x", "B", "y", "C", "z"), parse("A=\"x\"  # why\nB='y'#tight\nC='z' \t"));
    }

    @Test
    void unquotedValuesLoseATrailingComment() throws EnvironmentFileException {
        assertEquals("value", value("A=value # the reason"));
        assertEquals("", value("A= # nothing"));
        assertEquals("a#b", value("A=a#b"), "a # inside a word is text");
        assertEquals("#x", value("A=#x"));
        assertEquals("a #b", value("A=a\\ #b"), "an escaped blank does not start a comment");
        assertEquals("50%;", value("A=50%;"), "; only starts whole-line comments");
    }

    @Test
    void unquotedValuesTakeEscapedCharactersLiterally() throws EnvironmentFileException {
        assertEquals("a #b", value("A=a \\#b"));
        assertEquals("trailing ", value("A=trailing\\ "));
        assertEquals("C:path", value("A=C:\\path"));
        assertEquals("it's \"so\"", value("A=it's \"so\""), "quotes inside an unquoted value are text");
    }

    @Test
    void aBackslashAtTheEndOfAnUnquotedLineContinuesIt() throws EnvironmentFileException {
        assertEquals(Map.of("A", "one two three", "B", "4"), parse("A=one \\\ntwo \\\r\nthree\nB=4"));
        assertEquals("a#b", value("A=a\\\n#b"), "the joined line continues the word");
        assertEquals("x", value("A=x # comment \\\n"), "a backslash in a comment continues nothing");
    }

    @Test
    void dollarSignsAreNotExpanded() throws EnvironmentFileException {
        assertEquals(Map.of("HOME", "/root", "A", "$HOME/x", "B", "${HOME}"), parse("HOME=/root\nA=$HOME/x\nB=\"${HOME}\""));
    }

    @Test
    void aLaterAssignmentWinsAndOrderIsKept() throws EnvironmentFileException {
        Map<String, String> variables = parse("B=1\nA=2\nB=3\nC=4");
        assertEquals(Map.of("B", "3", "A", "2", "C", "4"), variables);
        assertEquals(List.of("B", "A", "C"), List.copyOf(variables.keySet()));
    }

    @Test
    void namesAreShellNames() throws EnvironmentFileException {
        assertEquals(Map.of("_", "1", "a_B9", "2"), parse("_=1\na_B9=2"));
    }

    @Test
    void errorsSayWhereAndWhat() {
        assertError("1X=1", 1, 1, "invalid variable name \"1X\"");
        assertError("A=1\n  MY-VAR = 2", 2, 3, "invalid variable name \"MY-VAR\"");
        assertError("export  A.B=1", 1, 9, "invalid variable name \"A.B\"");
        assertError("FOO BAR=1", 1, 1, "invalid variable name \"FOO BAR\"");
        assertError("  =1", 1, 3, "missing variable name before '='");
        assertError("A=1\nJUSTAWORD", 2, 1, "expected KEY=VALUE");
        assertError("\n  export FOO\n", 2, 3, "expected KEY=VALUE");
        assertError("A=\"open\n\nstill", 1, 3, "unterminated double quote");
        assertError("A=\"ends in \\", 1, 3, "unterminated double quote");
        assertError("A=1\nB=  'open\n", 2, 5, "unterminated single quote");
        assertError("A=\"x\" y", 1, 7, "unexpected text after closing quote");
        assertError("A='x'\"y\"", 1, 6, "unexpected text after closing quote");
        assertError("A=\"a\nb\"c", 2, 3, "unexpected text after closing quote");
    }

    private static void assertError(String text, int line, int column, String reason) {
        EnvironmentFileException e = failure(text);
        assertEquals(FILE + ":" + line + ":" + column + ": " + reason, e.getMessage(), text);
        assertEquals(reason, e.reason());
        assertEquals(line, e.line());
        assertEquals(column, e.column());
        assertEquals(FILE, e.path());
    }

    @Test
    void columnsCountCharactersNotBytesOrUnits() {
        assertError("A=\"é😀\" x", 1, 8, "unexpected text after closing quote");
    }

    @Test
    void nulBytesAreRefusedAnywhere() {
        EnvironmentFileException e = failure("A=1\n# comment \0\n");
        assertEquals("NUL byte", e.reason());
        assertEquals(2, e.line());
        assertEquals(11, e.column());
    }

    @Test
    void readParsesTheFile(@TempDir Path dir) throws IOException, EnvironmentFileException {
        Path file = Files.writeString(dir.resolve("app.env"), "\uFEFFA=1\nB='two'\n");
        assertEquals(Map.of("A", "1", "B", "two"), EnvironmentFiles.read(new EnvironmentFile(file, false)));
    }

    @Test
    void aMissingOptionalFileIsEmptyAndAMissingRequiredOneAnError(@TempDir Path dir) throws EnvironmentFileException {
        Path missing = dir.resolve("missing.env");
        assertEquals(Map.of(), EnvironmentFiles.read(new EnvironmentFile(missing, true)));
        var e = assertThrows(EnvironmentFileException.class, () -> EnvironmentFiles.read(new EnvironmentFile(missing, false)));
        assertEquals(missing + ": no such file", e.getMessage());
        assertEquals(0, e.line());
        assertEquals(0, e.column());
    }

    @Test
    void errorsInAReadFileNameIt(@TempDir Path dir) throws IOException {
        Path file = Files.writeString(dir.resolve("bad.env"), "A=1\n2B=x\n");
        var e = assertThrows(EnvironmentFileException.class, () -> EnvironmentFiles.read(new EnvironmentFile(file, true)));
        assertEquals(file + ":2:1: invalid variable name \"2B\"", e.getMessage());
    }

    @Test
    void invalidUtf8IsPlaced(@TempDir Path dir) throws IOException {
        Path file = Files.write(dir.resolve("latin1.env"), new byte[] {'A', '=', '1', '\n', 'B', '=', 'c', 'a', 'f', (byte) 0xE9, '\n'});
        var e = assertThrows(EnvironmentFileException.class, () -> EnvironmentFiles.read(new EnvironmentFile(file, false)));
        assertEquals(file + ":2:6: invalid UTF-8", e.getMessage());
    }

    @Test
    void aDirectoryOrAHugeFileIsRefused(@TempDir Path dir) throws IOException {
        var directory = assertThrows(EnvironmentFileException.class, () -> EnvironmentFiles.read(new EnvironmentFile(dir, true)));
        assertEquals(0, directory.line());
        Path huge = Files.write(dir.resolve("huge.env"), new byte[EnvironmentFiles.MAX_BYTES + 1]);
        var e = assertThrows(EnvironmentFileException.class, () -> EnvironmentFiles.read(new EnvironmentFile(huge, false)));
        assertEquals(huge + ": larger than the limit of 4 MiB", e.getMessage());
    }
}
