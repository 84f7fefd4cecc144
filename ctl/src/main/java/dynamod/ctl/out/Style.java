package dynamod.ctl.out;

import java.nio.charset.Charset;

/**
 * How terminal output looks: colours only when stdout is a terminal, {@code NO_COLOR} is unset (no-color.org)
 * and {@code TERM} is not {@code dumb}; box-drawing characters only when stdout's encoding has them.
 */
public record Style(boolean colour, boolean unicode) {

    public static Style forStdout() {
        return forStdout(false);
    }

    /** As {@link #forStdout()}; {@code noColour} (the {@code --no-color} option) turns colours off in any case. */
    public static Style forStdout(boolean noColour) {
        String noColor = System.getenv("NO_COLOR");
        var console = System.console();
        boolean terminal = console != null && console.isTerminal();
        boolean colour = !noColour && terminal && (noColor == null || noColor.isEmpty()) && !"dumb".equals(System.getenv("TERM"));
        return new Style(colour, canEncodeBoxDrawing());
    }

    private static boolean canEncodeBoxDrawing() {
        try {
            String encoding = System.getProperty("stdout.encoding", Charset.defaultCharset().name());
            return Charset.forName(encoding).newEncoder().canEncode("├─└│→●");
        } catch (RuntimeException e) {
            return false;
        }
    }

    /** The text, with the few non-ASCII characters dynamod prints spelt in ASCII when stdout cannot show them. */
    public String text(String text) {
        if (unicode) return text;
        return text.replace("→", "->").replace("µs", "us").replace("–", "-").replace("≥", ">=").replace("…", "...").replace("●", "*");
    }

    public String branch() {
        return unicode ? "├─ " : "|- ";
    }

    public String lastBranch() {
        return unicode ? "└─ " : "`- ";
    }

    public String continuation() {
        return unicode ? "│  " : "|  ";
    }

    public String red(String text) {
        return wrap("1;31", text);
    }

    public String yellow(String text) {
        return wrap("1;33", text);
    }

    public String green(String text) {
        return wrap("32", text);
    }

    public String cyan(String text) {
        return wrap("1;36", text);
    }

    public String bold(String text) {
        return wrap("1", text);
    }

    public String dim(String text) {
        return wrap("2", text);
    }

    private String wrap(String code, String text) {
        return colour ? "\u001b[" + code + "m" + text + "\u001b[0m" : text;
    }
}
