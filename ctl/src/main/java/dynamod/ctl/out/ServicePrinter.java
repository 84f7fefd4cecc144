package dynamod.ctl.out;

import dynamod.ctl.logs.LogWriter;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * How {@code list}, {@code status} and {@code tree} show what the manager answered (the maps of svmgr's control
 * Views): pure text from given responses, the clock and the zone, so that tests can give all three.
 */
public final class ServicePrinter {

    private final Style style;
    private final Instant now;
    private final ZoneId zone;

    public ServicePrinter(Style style, Instant now, ZoneId zone) {
        this.style = style;
        this.now = now;
        this.zone = zone;
    }

    private static final String[] LIST_HEADER = {"SERVICE", "STATE", "SUB", "SINCE", "PID", "SUPERVISOR", "RESTARTS", "WHY"};

    /** The {@code list} table: one line a service, columns as wide as their widest cell. */
    public String list(List<Map<String, Object>> services) {
        List<String[]> rows = new ArrayList<>();
        rows.add(LIST_HEADER);
        for (Map<String, Object> s : services) {
            rows.add(new String[] {str(s, "name"), str(s, "activeState"), str(s, "state"), shortTime(str(s, "since")),
                pid(s), str(s, "supervisor"), str(s, "restarts"), why(s)});
        }
        int[] widths = new int[LIST_HEADER.length];
        for (String[] row : rows) for (int i = 0; i < row.length; i++) widths[i] = Math.max(widths[i], row[i].length());
        StringBuilder b = new StringBuilder();
        for (int r = 0; r < rows.size(); r++) {
            String[] row = rows.get(r);
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < row.length; i++) {
                boolean last = i == row.length - 1;
                String cell = row[i];
                String shown = r == 0 ? style.bold(cell) : i == 1 ? activeColoured(cell, cell) : i == 2 ? stateColoured(cell) : cell;
                String pad = last ? "" : " ".repeat(widths[i] - cell.length() + 2);
                // Numbers right-aligned, as ps and systemctl do.
                if (i == 4 || i == 6) line.append(" ".repeat(widths[i] - cell.length())).append(shown).append(last ? "" : "  ");
                else line.append(shown).append(pad);
            }
            b.append(line.toString().stripTrailing()).append('\n');
        }
        return b.toString();
    }

    /**
     * One {@code status} block, as systemctl prints one: the bullet and name, then a field a line. Fields the manager
     * did not send (the cgroup and its memory, tasks and CPU time, where the manager has no cgroups or the service is not
     * running) are left out, not guessed.
     */
    public String status(Map<String, Object> s) {
        StringBuilder b = new StringBuilder();
        String active = str(s, "activeState");
        String description = s.get("description") == null ? "" : " - " + s.get("description");
        b.append(activeColoured(active, style.text("●"))).append(' ').append(str(s, "unit")).append(description).append('\n');
        field(b, "Loaded", str(s, "origin"));
        String since = str(s, "since");
        field(b, "Active", activeColoured(active, active + " (" + str(s, "state") + ")") + (since.isEmpty() ? "" : " since " + when(since)));
        String cause = s.get("cause") == null ? "" : ", by " + s.get("cause");
        if (!str(s, "reason").isEmpty() || !cause.isEmpty()) field(b, "Reason", str(s, "reason") + cause);
        if (s.get("failure") != null) field(b, "Failing", style.red(str(s, "failure")));
        if (!pid(s).equals("-")) field(b, "Main PID", pid(s));
        if (!"0".equals(str(s, "forkerPid")) && !str(s, "forkerPid").isEmpty()) field(b, "Forker PID", str(s, "forkerPid"));
        field(b, "Type", str(s, "type"));
        String ready = "";
        if (s.get("ready") instanceof Map<?, ?> r) {
            ready = "; ready after " + micros(((Number) r.get("afterMicros")).longValue()) + " (" + r.get("detector") + ")";
        }
        field(b, "Readiness", str(s, "readiness") + ready);
        String limit = s.get("restartLimit") == null ? "" : " of " + str(s, "restartLimit") + " within " + str(s, "restartWindow");
        String attempt = s.get("attempt") == null ? "" : " (attempt " + str(s, "attempt") + ")";
        field(b, "Restarts", str(s, "restarts") + limit + attempt);
        if (s.get("lastExit") instanceof Map<?, ?> exit) {
            String at = exit.get("at") == null ? "" : " at " + when(String.valueOf(exit.get("at")));
            boolean clean = Long.valueOf(0).equals(asLong(exit.get("code")));
            String text = String.valueOf(exit.get("text"));
            field(b, "Last exit", (clean ? text : style.red(text)) + at);
        }
        if (s.get("statusText") != null) field(b, "Status", "\"" + s.get("statusText") + "\"");
        field(b, "Supervisor", str(s, "supervisor"));
        if (s.get("cgroup") instanceof Map<?, ?> cgroup) {
            field(b, "CGroup", String.valueOf(cgroup.get("path")));
            if (cgroup.get("tasks") instanceof Number n) field(b, "Tasks", String.valueOf(n.longValue()));
            if (cgroup.get("memoryCurrent") instanceof Number n) field(b, "Memory", LogWriter.bytes(n.longValue()));
            if (cgroup.get("cpuUsageMicros") instanceof Number n) field(b, "CPU", micros(n.longValue()));
        }
        return b.toString();
    }

    /** The {@code tree}: each supervisor with its strategy, status and restarts, its children below it. */
    public String tree(Map<String, Object> root) {
        if (root.isEmpty()) return "(no configuration loaded)\n";
        StringBuilder b = new StringBuilder();
        tree(root, "", "", b);
        return b.toString();
    }

    private void tree(Map<String, Object> node, String first, String rest, StringBuilder b) {
        if ("supervisor".equals(node.get("kind"))) {
            String restarts = str(node, "restarts");
            b.append(first).append(style.cyan(str(node, "name"))).append(" [").append(str(node, "strategy")).append(", ")
                    .append(str(node, "status")).append(!"0".equals(restarts) ? ", " + restarts + " restarts" : "").append("]\n");
            List<Map<String, Object>> children = maps(node.get("children"));
            for (int i = 0; i < children.size(); i++) {
                boolean last = i == children.size() - 1;
                tree(children.get(i), rest + (last ? style.lastBranch() : style.branch()), rest + (last ? "   " : style.continuation()), b);
            }
        } else {
            b.append(first).append(str(node, "name")).append(' ').append(stateColoured(str(node, "state")))
                    .append(pid(node).equals("-") ? "" : " (pid " + pid(node) + ")").append('\n');
        }
    }

    @SuppressWarnings("unchecked")
    public static List<Map<String, Object>> maps(Object list) {
        return list == null ? List.of() : (List<Map<String, Object>>) list;
    }

    /** {@code Tue 2026-12-01 10:00:00 UTC; 3min 2s ago}. */
    String when(String isoInstant) {
        Instant t = parse(isoInstant);
        if (t == null) return isoInstant;
        Duration d = Duration.between(t, now);
        return LogWriter.fullTime(t, zone) + "; " + (d.isNegative() ? "now" : ago(d) + " ago");
    }

    /** The list's SINCE: date and time to the second, in the local zone. */
    private String shortTime(String isoInstant) {
        Instant t = parse(isoInstant);
        if (t == null) return isoInstant;
        return java.time.format.DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss").format(t.atZone(zone));
    }

    /** systemd's way of saying how long ago: the two largest units, {@code 2h 5min}, {@code 3min 2s}, {@code 450ms}. */
    public static String ago(Duration d) {
        long ms = d.toMillis();
        if (ms < 1000) return ms + "ms";
        long s = ms / 1000;
        long[] scales = {86_400 * 365, 86_400 * 30, 86_400 * 7, 86_400, 3600, 60, 1};
        String[] units = {"y", " month", "w", " day", "h", "min", "s"};
        StringBuilder b = new StringBuilder();
        int parts = 0;
        for (int i = 0; i < scales.length && parts < 2; i++) {
            long n = s / scales[i];
            if (n == 0) {
                if (parts > 0) break; // "2h", not "2h 0min"
                continue;
            }
            s -= n * scales[i];
            if (parts++ > 0) b.append(' ');
            // systemd writes "1 day", "2 days", "1 month", "3 months"; the short units have no plural.
            b.append(n).append(units[i]).append(units[i].startsWith(" ") && n > 1 ? "s" : "");
        }
        return b.toString();
    }

    /** A time to ready: {@code 850us}, {@code 12ms}, {@code 1.204s}. */
    public static String micros(long micros) {
        if (micros < 1000) return micros + "us";
        if (micros < 1_000_000) return micros / 1000 + "ms";
        return java.math.BigDecimal.valueOf(micros / 1000, 3).stripTrailingZeros().toPlainString() + "s";
    }

    /** The state, in the colour of its systemd active state. */
    public String stateColoured(String state) {
        return activeColoured(switch (state) {
            case "running", "done" -> "active";
            case "failed" -> "failed";
            case "blocked" -> "blocked";
            case "starting", "stopping", "reloading", "waiting" -> "activating";
            default -> "inactive";
        }, state);
    }

    /** Green when active, red when failed (or blocked by a failure), yellow on the way; plain otherwise. */
    private String activeColoured(String active, String text) {
        return switch (active) {
            case "active" -> style.green(text);
            case "failed", "blocked" -> style.red(text);
            case "activating", "deactivating", "reloading" -> style.yellow(text);
            default -> text;
        };
    }

    private static void field(StringBuilder b, String name, String value) {
        b.append(" ".repeat(Math.max(0, 11 - name.length()))).append(name).append(": ").append(value).append('\n');
    }

    private static String why(Map<String, Object> s) {
        String reason = str(s, "reason");
        String cause = s.get("cause") == null ? "" : String.valueOf(s.get("cause"));
        return reason + (!cause.isEmpty() && !reason.contains(cause) ? " (" + cause + ")" : "");
    }

    private static String pid(Map<String, Object> s) {
        String pid = str(s, "pid");
        return pid.isEmpty() || "0".equals(pid) ? "-" : pid;
    }

    private static Long asLong(Object o) {
        return o instanceof Number n ? n.longValue() : null;
    }

    private static Instant parse(String iso) {
        try {
            return Instant.parse(iso);
        } catch (DateTimeParseException e) {
            return null;
        }
    }

    public static String str(Map<String, Object> m, String key) {
        Object v = m.get(key);
        return v == null ? "" : String.valueOf(v);
    }
}
