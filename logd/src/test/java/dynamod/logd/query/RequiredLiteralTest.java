package dynamod.logd.query;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** What must be in every match; the search built on it is checked against the regex in MessageSearchTest. */
class RequiredLiteralTest {

    static Optional<String> cs(String regex) {
        return RequiredLiteral.of(regex, false);
    }

    @Test
    void plainTextIsItself() {
        assertEquals(Optional.of("needle-7f3a"), cs("needle-7f3a"));
        assertEquals(Optional.of("connection refused"), cs("connection refused"));
        assertEquals(Optional.of("a.b"), cs("a\\.b"));
        assertEquals(Optional.of("x.y*z"), cs("\\Qx.y*z\\E"));
        assertEquals(Optional.of("tab\there"), cs("tab\\there"));
        assertEquals(Optional.of("]}"), cs("]}"));
    }

    @Test
    void theLongestRequiredRunOfAPattern() {
        assertEquals(Optional.of("timeout after "), cs("^timeout after \\d+ms$"));
        assertEquals(Optional.of(" Error: "), cs("(foo|bar) Error: [a-z]+"));
        assertEquals(Optional.of("time"), cs("times?out")); // the optional s goes, and the run ends there
        assertEquals(Optional.of("timeo"), cs("timeo+ut")); // one o at least, then a new run
        assertEquals(Optional.of("abc"), cs("xy{0,3}abc"));
        assertEquals(Optional.of("abc"), cs("x*?abc"));
        assertEquals(Optional.of("ab"), cs("ab{2}c"));
        assertEquals(Optional.of("cdef"), cs("ab.cdef"));
        assertEquals(Optional.of("abc"), cs("\\Qabcd\\E?")); // the quantifier takes the last quoted char
    }

    @Test
    void noLiteralWhereItCannotBeTold() {
        assertEquals(Optional.empty(), cs(""));
        assertEquals(Optional.empty(), cs("miss|hit"));
        assertEquals(Optional.empty(), cs("(?i)timeout"));
        assertEquals(Optional.empty(), cs("(?x) a b c"));
        assertEquals(Optional.empty(), cs("\\x41bc"));
        assertEquals(Optional.empty(), cs("\\p{L}+xyz"));
        assertEquals(Optional.empty(), cs("(a)\\1xyz"));
        assertEquals(Optional.empty(), cs("[]x]abc"));
        assertEquals(Optional.empty(), cs("a?"));
        assertEquals(Optional.empty(), cs("."));
    }

    @Test
    void aTopLevelAlternationGivesALiteralPerBranch() {
        assertEquals(Optional.of(List.of("miss", "hit")), RequiredLiteral.anyOf("miss|hit", false));
        assertEquals(Optional.of(List.of("timeout after ", " refused")), RequiredLiteral.anyOf("timeout after \\d+|(conn)? refused", false));
        assertEquals(Optional.of(List.of("a|b")), RequiredLiteral.anyOf("\\Qa|b\\E", false));
        assertEquals(Optional.of(List.of("error")), RequiredLiteral.anyOf("(x|y)error", false)); // not at the top level
        assertEquals(Optional.of(List.of("needle")), RequiredLiteral.anyOf("needle", false));
        assertEquals(Optional.empty(), RequiredLiteral.anyOf("miss|.", false)); // a branch without one
        assertEquals(Optional.empty(), RequiredLiteral.anyOf("miss|", false));
        assertEquals(Optional.empty(), RequiredLiteral.anyOf("miss|(?i)hit", false)); // flags reach across branches
        assertEquals(Optional.of(List.of("x", "y")), RequiredLiteral.anyOf("[|]x|y", false)); // a | in a class is not one
    }

    @Test
    void caseFoldingKeepsToAsciiAndNothingIsUFFFD() {
        assertEquals(Optional.of("T"), RequiredLiteral.of("ÉTÉ", true));
        assertEquals(Optional.of("ÉTÉ"), RequiredLiteral.of("ÉTÉ", false));
        assertEquals(Optional.of("stra"), RequiredLiteral.of("straße", true));
        assertEquals(Optional.of("ab"), RequiredLiteral.of("ab\uFFFDc", false));
        assertEquals(Optional.of("x😀y"), RequiredLiteral.of("x😀y", false));
    }
}
