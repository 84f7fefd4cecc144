package dynamod.logd.query;

import java.util.regex.Pattern;

/** fnmatch globs, as {@code -u} takes them. */
public final class Glob {

    private Glob() {}

    /** An fnmatch glob ({@code *}, {@code ?}, {@code [...]}, {@code [!...]}) as a regex. */
    public static Pattern compile(String glob) {
        StringBuilder re = new StringBuilder();
        for (int i = 0; i < glob.length(); i++) {
            char c = glob.charAt(i);
            switch (c) {
                case '*' -> re.append(".*");
                case '?' -> re.append('.');
                case '[' -> {
                    int close = glob.indexOf(']', i + 2);
                    if (close < 0) {
                        re.append("\\[");
                    } else {
                        String set = glob.substring(i + 1, close);
                        if (set.startsWith("!")) set = "^" + set.substring(1);
                        re.append('[').append(set.replace("\\", "\\\\").replace("[", "\\[")).append(']');
                        i = close;
                    }
                }
                default -> re.append(Pattern.quote(String.valueOf(c)));
            }
        }
        return Pattern.compile(re.toString());
    }
}
