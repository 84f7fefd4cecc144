package dynamod.logd.query;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The longest run of literal text that every match of a {@code java.util.regex} pattern must contain, so that a
 * search can look for those bytes first and run the regex only where they occur (as ripgrep and GNU grep do).
 *
 * <p>Conservative by construction: only the top level of a pattern without a top-level {@code |} is read; groups,
 * character classes, {@code .}, anchors, class escapes ({@code \d}, {@code \p{…}}) and backreferences end a run;
 * a quantifier that allows zero ({@code ? * {0,…}}) takes its char off the run, one that needs at least one ends the
 * run after it; inline flags ({@code (?i)}, {@code (?x)}…) give no literal at all, since they change what follows.
 * When matching case-insensitively a non-ASCII char ends a run (its folding is not a byte comparison); so does
 * U+FFFD in either mode (malformed bytes decode to it). Escapes with an argument ({@code \x41}, {@code \p{L}},
 * {@code \1}) give none either. Empty: no literal can be told.
 */
public final class RequiredLiteral {

    private RequiredLiteral() {}

    /**
     * For a pattern whose top level is {@code A|B|…}: a required literal of each branch (every match contains one of
     * them); empty if a branch has none, or if the pattern has inline flags anywhere (they reach across branches).
     * A pattern without a top-level {@code |} gives its one literal.
     */
    public static Optional<List<String>> anyOf(String regex, boolean caseInsensitive) {
        List<String> branches = branches(regex);
        if (branches == null) return Optional.empty();
        List<String> literals = new ArrayList<>();
        for (String branch : branches) {
            Optional<String> literal = of(branch, caseInsensitive);
            if (literal.isEmpty()) return Optional.empty();
            literals.add(literal.get());
        }
        return Optional.of(literals);
    }

    /** The top-level branches of a pattern; null if it has inline flags or a construct this reader does not trust. */
    private static List<String> branches(String regex) {
        List<String> out = new ArrayList<>();
        int depth = 0, start = 0, i = 0, n = regex.length();
        while (i < n) {
            char c = regex.charAt(i);
            if (c == '\\') {
                if (i + 1 < n && regex.charAt(i + 1) == 'Q') {
                    int end = regex.indexOf("\\E", i + 2);
                    i = end < 0 ? n : end + 2;
                } else {
                    if (i + 1 < n && regex.charAt(i + 1) == 'c') return null; // \c takes any char, '(' too
                    i += 2;
                }
            } else if (c == '[') {
                i = skipClass(regex, i);
                if (i < 0) return null;
            } else if (c == '(') {
                if (i + 1 < n && regex.charAt(i + 1) == '?' && inlineFlags(regex, i + 2)) return null;
                depth++;
                i++;
            } else if (c == ')') {
                depth--;
                i++;
            } else if (c == '|' && depth == 0) {
                out.add(regex.substring(start, i));
                start = ++i;
            } else {
                i++;
            }
        }
        out.add(regex.substring(start));
        return out;
    }

    public static Optional<String> of(String regex, boolean caseInsensitive) {
        StringBuilder run = new StringBuilder(), best = new StringBuilder();
        int depth = 0;
        int i = 0, n = regex.length();
        while (i < n) {
            int c = regex.codePointAt(i);
            int next = i + Character.charCount(c);
            if (c == '\\') {
                if (next >= n) return Optional.empty(); // cannot compile anyway
                char e = regex.charAt(next);
                if (e == 'Q') {
                    int end = regex.indexOf("\\E", next + 1);
                    String quoted = end < 0 ? regex.substring(next + 1) : regex.substring(next + 1, end);
                    i = end < 0 ? n : end + 2;
                    if (depth > 0) continue;
                    for (int k = 0; k < quoted.length(); ) {
                        int q = quoted.codePointAt(k);
                        k += Character.charCount(q);
                        if (literal(q, caseInsensitive)) run.appendCodePoint(q);
                        else run = flush(run, best);
                    }
                    i = quantifier(regex, i, run, best);
                    continue;
                }
                if (withArgument(e)) return Optional.empty(); // \x41, \p{L}, \1…: not worth reading their arguments
                i = next + 1;
                int lit = escaped(e);
                if (depth > 0) continue;
                if (lit >= 0 && literal(lit, caseInsensitive)) {
                    run.append((char) lit);
                    i = quantifier(regex, i, run, best);
                } else {
                    run = flush(run, best);
                    i = skipQuantifier(regex, i);
                }
                continue;
            }
            if (c == '[') {
                i = skipClass(regex, i);
                if (i < 0) return Optional.empty();
                if (depth == 0) run = flush(run, best);
                continue;
            }
            if (c == '(') {
                if (next < n && regex.charAt(next) == '?' && inlineFlags(regex, next + 1)) return Optional.empty();
                if (depth == 0) run = flush(run, best);
                depth++;
                i = next;
                continue;
            }
            if (c == ')') {
                depth--;
                if (depth < 0) return Optional.empty();
                i = depth == 0 ? skipQuantifier(regex, next) : next;
                continue;
            }
            if (depth > 0) {
                i = next;
                continue;
            }
            switch (c) {
                case '|' -> {
                    return Optional.empty();
                }
                case '.', '^', '$' -> {
                    run = flush(run, best);
                    i = skipQuantifier(regex, next);
                }
                case '?', '*', '+', '{' -> i = quantifier(regex, i, run, best); // only after a non-literal: no-op
                default -> {
                    if (literal(c, caseInsensitive)) run.appendCodePoint(c);
                    else run = flush(run, best);
                    i = quantifier(regex, next, run, best);
                }
            }
        }
        flush(run, best);
        return best.isEmpty() ? Optional.empty() : Optional.of(best.toString());
    }

    private static boolean literal(int c, boolean caseInsensitive) {
        if (c == 0xFFFD || Character.isSurrogate((char) c) && c <= 0xFFFF) return false;
        return !caseInsensitive || c < 0x80;
    }

    /** The char an escape stands for, or -1 if it is not one literal char. */
    private static int escaped(char e) {
        return switch (e) {
            case 't' -> '\t';
            case 'n' -> '\n';
            case 'r' -> '\r';
            case 'f' -> '\f';
            case 'a' -> 0x07;
            case 'e' -> 0x1b;
            default -> Character.isLetterOrDigit(e) || e >= 0x80 ? -1 : e; // \d, \1, \x..., \p{…}: not one char
        };
    }

    /** Escapes followed by an argument (hex digits, a name, a group number, any char for {@code \c}). */
    private static boolean withArgument(char e) {
        return Character.isDigit(e) || "xucNkpP".indexOf(e) >= 0;
    }

    /** Moves the current run to best if longer; returns an empty run. */
    private static StringBuilder flush(StringBuilder run, StringBuilder best) {
        if (run.length() > best.length()) {
            best.setLength(0);
            best.append(run);
        }
        return run.isEmpty() ? run : new StringBuilder();
    }

    /**
     * If a quantifier starts at {@code i}, applies it to the run's last char (which it quantifies): optional takes
     * the char off, otherwise the run ends after it. Returns the index after the quantifier.
     */
    private static int quantifier(String regex, int i, StringBuilder run, StringBuilder best) {
        if (i >= regex.length()) return i;
        char q = regex.charAt(i);
        int min, end;
        switch (q) {
            case '?', '*' -> {
                min = 0;
                end = i + 1;
            }
            case '+' -> {
                min = 1;
                end = i + 1;
            }
            case '{' -> {
                int close = regex.indexOf('}', i);
                if (close < 0) return i;
                String body = regex.substring(i + 1, close);
                String low = body.contains(",") ? body.substring(0, body.indexOf(',')) : body;
                try {
                    min = Integer.parseInt(low.strip());
                } catch (NumberFormatException e) {
                    min = 0;
                }
                end = close + 1;
            }
            default -> {
                return i;
            }
        }
        if (end < regex.length() && (regex.charAt(end) == '?' || regex.charAt(end) == '+')) end++; // lazy, possessive
        if (!run.isEmpty()) {
            int last = run.offsetByCodePoints(run.length(), -1);
            if (min == 0) {
                run.setLength(last);
                flush(run, best);
                run.setLength(0);
            } else {
                flush(run, best);
                run.setLength(0);
            }
        }
        return end;
    }

    private static int skipQuantifier(String regex, int i) {
        StringBuilder none = new StringBuilder();
        return quantifier(regex, i, none, new StringBuilder());
    }

    /** After {@code (?}: flags and then {@code )} (which apply to the rest of the pattern). */
    private static boolean inlineFlags(String regex, int i) {
        while (i < regex.length() && (Character.isLetter(regex.charAt(i)) || regex.charAt(i) == '-')) i++;
        return i < regex.length() && regex.charAt(i) == ')';
    }

    /** The index after the character class starting at {@code i}; -1 if it is one this reader does not trust. */
    private static int skipClass(String regex, int i) {
        int depth = 0, n = regex.length();
        while (i < n) {
            char c = regex.charAt(i);
            if (c == '\\') {
                if (i + 1 < n && regex.charAt(i + 1) == 'c') return -1; // \c takes the next char, ']' too
                if (i + 1 < n && regex.charAt(i + 1) == 'Q') {
                    int end = regex.indexOf("\\E", i + 2);
                    if (end < 0) return -1;
                    i = end + 2;
                    continue;
                }
                i += 2;
                continue;
            }
            if (c == '[') {
                depth++;
                i++;
                if (i < n && regex.charAt(i) == '^') i++;
                if (i < n && regex.charAt(i) == ']') return -1; // a literal ']' first: not worth the subtlety
                continue;
            }
            if (c == ']') {
                depth--;
                i++;
                if (depth == 0) return i;
                continue;
            }
            i++;
        }
        return -1;
    }
}
