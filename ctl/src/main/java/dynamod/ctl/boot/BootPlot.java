package dynamod.ctl.boot;

import dynamod.ctl.boot.ServiceTimeline.Incident;
import dynamod.ctl.boot.ServiceTimeline.Phase;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code plot}: the boot as an SVG timeline, as systemd-analyze plot draws it — one row per service (in the order
 * they were asked to start) with its phases as bars, failures and restarts marked, a line from the dependency it
 * waited for last to its start, a time axis, and the boot's total. The document is ASCII (everything else is a
 * character reference), so it stays valid whatever the terminal's encoding.
 */
public final class BootPlot {

    private BootPlot() {}

    static final int ROW = 20, BAR = 12, TOP = 78, FONT = 12;
    static final double CHAR = 7.3; // the width of a 12px monospace character

    /** The colour of each phase; {@code DOWN} is not drawn (a failure or block is marked instead). */
    static String colour(Phase.Kind kind) {
        return switch (kind) {
            case WAITING -> "#d9d9d9";
            case RESTART_DELAY -> "#f2aeae";
            case STARTING -> "#f5a623";
            case READY -> "#9ad27a";
            case STOPPING -> "#9b9b9b";
            case DOWN -> "none";
        };
    }

    public static String svg(BootReport report, String title) {
        List<ServiceTimeline> services = report.services();
        int labels = (int) Math.ceil(Math.max(12, services.stream().mapToInt(s -> s.name().length()).max().orElse(0)) * CHAR) + 16;
        long end = Math.max(report.endAt(), 1_000_000L);
        double width = Math.clamp(end / 1e9 * 250, 600, 1600);
        double scale = width / end;
        int textRoom = 260; // for the times and outcomes written after a row's bars
        int totalWidth = (int) Math.ceil(labels + width + textRoom);
        int height = TOP + services.size() * ROW + 70;
        Map<String, Integer> rowOf = new HashMap<>();
        for (int i = 0; i < services.size(); i++) rowOf.put(services.get(i).name(), i);

        StringBuilder b = new StringBuilder();
        b.append("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        b.append("<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"").append(totalWidth).append("\" height=\"").append(height)
                .append("\" viewBox=\"0 0 ").append(totalWidth).append(' ').append(height).append("\" font-family=\"monospace\" font-size=\"")
                .append(FONT).append("\">\n");
        b.append("<rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>\n");
        b.append(text(10, 20, "font-size=\"15\" font-weight=\"bold\"", title));
        b.append(text(10, 40, "", BootText.summary(report)));

        // Every other row shaded, under the grid, so that long rows stay readable.
        for (int i = 1; i < services.size(); i += 2) b.append(rect(0, TOP + i * ROW, totalWidth, ROW, "#f4f4f4", ""));

        // The time axis: a tick every "nice" step, about ten across, and a grid line under each.
        long step = niceStep(end / 10);
        b.append("<g class=\"axis\" stroke=\"#e4e4e4\">\n");
        for (long t = 0; t <= end; t += step) {
            double x = labels + t * scale;
            b.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\"/>%n", x, TOP - 8, x, TOP + services.size() * ROW));
            b.append(text(x, TOP - 12, "text-anchor=\"middle\" stroke=\"none\" fill=\"#555555\"", BootText.span(t)));
        }
        b.append("</g>\n");

        for (int i = 0; i < services.size(); i++) {
            ServiceTimeline s = services.get(i);
            int y = TOP + i * ROW;
            b.append("<g class=\"service\" data-service=\"").append(escape(s.name())).append("\">\n");
            b.append("<title>").append(escape(tooltip(s))).append("</title>\n");
            b.append(text(labels - 8, y + 14, "text-anchor=\"end\"", s.name()));
            double last = labels;
            for (Phase p : s.phases()) {
                if (p.kind() == Phase.Kind.DOWN) continue;
                double x = labels + p.from() * scale, w = Math.max(1, p.duration() * scale);
                b.append(rect(x, y + (ROW - BAR) / 2.0, w, BAR, colour(p.kind()), "class=\"phase " + p.kind().name().toLowerCase(Locale.ROOT).replace('_', '-') + "\""));
                last = Math.max(last, x + w);
            }
            // The moment each attempt's process existed: what precedes it in the bar is the spawn's own cost.
            for (ServiceTimeline.Attempt a : s.attempts()) {
                if (a.spawnedAt().isEmpty()) continue;
                double x = labels + a.spawnedAt().getAsLong() * scale;
                b.append(String.format(Locale.ROOT, "<line class=\"spawn\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#5a3a00\"><title>%s</title></line>%n",
                        x, y + (ROW - BAR) / 2.0, x, y + (ROW + BAR) / 2.0, escape("attempt " + a.number() + " spawned at " + BootText.span(a.spawnedAt().getAsLong()))));
            }
            for (Incident incident : s.incidents()) {
                double x = labels + incident.at() * scale;
                String cls = switch (incident.kind()) {
                    case EXITED, SPAWN_FAILED, READINESS_TIMED_OUT, FAILED, BLOCKED -> "failure";
                    case RESTART_SCHEDULED, GROUP_RESTART -> "restart";
                };
                // A failure is a red bar across the row; a restart a purple dot above it (they often fall together).
                String mark = cls.equals("failure") ? rect(x - 1.5, y + 2, 3, ROW - 4, "#d0021b", "")
                        : String.format(Locale.ROOT, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"#7b2cbf\"/>", x + 4, y + 4.0);
                b.append("<g class=\"").append(cls).append("\"><title>").append(escape(BootText.span(incident.at()) + " " + incident.text()))
                        .append("</title>").append(mark.strip()).append("</g>\n");
            }
            String after = s.ready() ? "+" + BootText.span(s.startup().getAsLong()) + (s.failedAttempts() > 0 ? " (" + s.failedAttempts() + " failed)" : "")
                    : BootText.notReadyText(s);
            b.append(text(last + 6, y + 14, s.ready() ? "fill=\"#333333\"" : "fill=\"#d0021b\"", clip(after, 40)));
            b.append("</g>\n");
        }

        // What each service waited for last: a line from that dependency's release to this one's first start.
        b.append("<g class=\"waits\" stroke=\"#2f6db5\" stroke-width=\"1\" fill=\"none\">\n");
        for (int i = 0; i < services.size(); i++) {
            ServiceTimeline s = services.get(i);
            if (s.waitedFor().isEmpty() || s.firstStartAt().isEmpty()) continue;
            var w = s.waitedFor().get();
            Integer from = rowOf.get(w.dependency());
            if (from == null || w.releasedAt() < s.startableAt()) continue; // released before it was asked to start: no wait
            double x1 = labels + w.releasedAt() * scale, y1 = TOP + from * ROW + ROW / 2.0;
            double x2 = labels + s.firstStartAt().getAsLong() * scale, y2 = TOP + i * ROW + ROW / 2.0;
            b.append(String.format(Locale.ROOT, "<path class=\"wait\" d=\"M%.1f %.1f L%.1f %.1f L%.1f %.1f\"><title>%s</title></path>%n",
                    x1, y1, x1, y2, Math.max(x1, x2), y2, escape(s.name() + " waited for " + w.dependency() + " (" + w.relation().word() + ")")));
        }
        b.append("</g>\n");

        if (report.finishedAt().isPresent()) {
            double x = labels + report.finishedAt().getAsLong() * scale;
            b.append(String.format(Locale.ROOT, "<line class=\"finished\" x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#000000\" stroke-dasharray=\"4 3\"/>%n",
                    x, TOP - 8, x, TOP + services.size() * ROW));
        }

        int legend = TOP + services.size() * ROW + 24;
        double x = 10;
        for (Phase.Kind kind : List.of(Phase.Kind.WAITING, Phase.Kind.STARTING, Phase.Kind.READY, Phase.Kind.RESTART_DELAY, Phase.Kind.STOPPING)) {
            b.append(rect(x, legend - 10, 14, 12, colour(kind), ""));
            String name = switch (kind) {
                case WAITING -> "waiting";
                case STARTING -> "starting";
                case READY -> "ready";
                case RESTART_DELAY -> "restart delay";
                case STOPPING -> "stopping";
                case DOWN -> "down";
            };
            b.append(text(x + 18, legend, "", name));
            x += 18 + name.length() * CHAR + 16;
        }
        b.append(rect(x, legend - 10, 3, 12, "#d0021b", "")).append(text(x + 8, legend, "", "failure"));
        x += 8 + 7 * CHAR + 16;
        b.append(String.format(Locale.ROOT, "<circle cx=\"%.1f\" cy=\"%d\" r=\"3\" fill=\"#7b2cbf\"/>", x + 2, legend - 4))
                .append(text(x + 8, legend, "", "restart"));
        x += 8 + 7 * CHAR + 16;
        b.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#5a3a00\"/>", x, legend - 10, x, legend + 2))
                .append(text(x + 6, legend, "", "spawned"));
        x += 6 + 7 * CHAR + 16;
        b.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#2f6db5\"/>", x, legend - 4, x + 14, legend - 4))
                .append(text(x + 18, legend, "", "waited for"));
        b.append('\n');
        b.append("</svg>\n");
        return b.toString();
    }

    private static String tooltip(ServiceTimeline s) {
        StringBuilder t = new StringBuilder(s.name());
        s.readyAt().ifPresent(r -> t.append(": ready at ").append(BootText.span(r)));
        s.startup().ifPresent(d -> t.append(" after ").append(BootText.span(d)));
        s.detector().ifPresent(d -> t.append(" (").append(d).append(')'));
        if (!s.ready()) t.append(": ").append(BootText.notReadyText(s));
        s.waitedFor().ifPresent(w -> t.append("; waited for ").append(w.dependency()).append(" (").append(w.relation().word()).append(')'));
        return t.toString();
    }

    /** 1, 2 or 5 times a power of ten nanoseconds, at least a millisecond. */
    static long niceStep(long rough) {
        long step = 1_000_000L;
        while (true) {
            for (long m : new long[] {1, 2, 5}) if (step * m >= rough) return step * m;
            step *= 10;
        }
    }

    private static String clip(String text, int max) {
        return text.length() <= max ? text : text.substring(0, max - 3) + "...";
    }

    private static String rect(double x, double y, double w, double h, String fill, String extra) {
        return String.format(Locale.ROOT, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\"%s/>%n", x, y, w, h, fill,
                extra.isEmpty() ? "" : " " + extra);
    }

    private static String text(double x, double y, String attributes, String content) {
        return String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%.1f\"%s>%s</text>%n", x, y, attributes.isEmpty() ? "" : " " + attributes,
                escape(content));
    }

    /** Text for XML content and attributes: markup characters and everything beyond ASCII as references; no control characters. */
    static String escape(String text) {
        StringBuilder b = new StringBuilder(text.length());
        text.codePoints().forEach(c -> {
            switch (c) {
                case '&' -> b.append("&amp;");
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '"' -> b.append("&quot;");
                case '\'' -> b.append("&apos;");
                default -> {
                    if (c < 0x20 && c != '\t' || c == 0x7f) b.append('?'); // not allowed in XML 1.0
                    else if (c > 0x7e) {
                        boolean allowed = c <= 0xd7ff || c >= 0xe000 && c <= 0xfffd || c >= 0x10000 && c <= 0x10ffff;
                        b.append(allowed ? "&#x" + Integer.toHexString(c) + ";" : "?");
                    } else b.append((char) c);
                }
            }
        });
        return b.toString();
    }
}
