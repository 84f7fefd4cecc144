package dynamod.init.pid1;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What dynamod-init reads from {@code /proc/cmdline}: the kernel's root keys and dynamod's own {@code dynamod.*}
 * keys. The kernel's tokenizer rules apply: words split at blanks, double quotes group (and are dropped), and a key
 * given twice counts the last time. Everything after {@code --} belongs to init's argv, not here.
 *
 * @param root {@code root=}: where the real root is; empty means stay in the initramfs
 * @param rootFsType {@code rootfstype=}: empty means try what the superblock says
 * @param rootFlags {@code rootflags=}, split into mount flags and the filesystem's own options
 * @param readOnly {@code ro} (the kernel's default) or {@code rw}, the last one given
 * @param rootWait {@code rootwait}: wait for the root device for ever ({@code rootwait=N}: N seconds at most)
 * @param rootDelay {@code rootdelay=N}: seconds to wait before looking for the root device
 * @param init {@code init=}: what the real root runs as PID 1 after the switch
 * @param emergency {@code dynamod.emergency}: start an emergency shell instead of the services
 * @param debug {@code dynamod.debug}: say every step on the console
 * @param config {@code dynamod.config=DIR}: svmgr's configuration directory
 * @param problems keys whose value could not be used (said on the console; the rest of the line still counts)
 */
public record KernelCommandLine(Optional<RootSpec> root, Optional<String> rootFsType, MountOptions rootFlags,
        boolean readOnly, Optional<Duration> rootWait, Duration rootDelay, Optional<String> init, boolean emergency,
        boolean debug, Optional<String> config, Map<String, String> all, List<String> problems) {

    /** rootwait without a number: as long as it takes. */
    public static final Duration WAIT_FOREVER = Duration.ofDays(36_500); // in nanoseconds it still fits a long

    public KernelCommandLine {
        all = Map.copyOf(all);
        problems = List.copyOf(problems);
    }

    public static KernelCommandLine parse(String line) {
        return ofWords(words(line));
    }

    /**
     * A container's command line: it has no kernel of its own ({@code /proc/cmdline} is the host's), so, as systemd
     * does there, the {@code dynamod.*} keys come as PID 1's own arguments ({@code docker run IMAGE
     * /sbin/dynamod-init dynamod.emergency}); {@link #isContainerKey} tells them from init's options.
     */
    public static KernelCommandLine ofContainerArguments(List<String> args) {
        return ofWords(args.stream().filter(KernelCommandLine::isContainerKey).toList());
    }

    public static boolean isContainerKey(String arg) {
        return arg.startsWith("dynamod.");
    }

    private static KernelCommandLine ofWords(List<String> words) {
        Map<String, String> params = new LinkedHashMap<>();
        for (String word : words) {
            if (word.equals("--")) break;
            int eq = word.indexOf('=');
            String key = eq < 0 ? word : word.substring(0, eq), value = eq < 0 ? "" : word.substring(eq + 1);
            // ro and rw cancel each other: the last one wins, so it is kept as one entry.
            if (key.equals("ro") || key.equals("rw")) {
                params.remove("ro");
                params.remove("rw");
            }
            params.remove(key); // re-insert so that iteration order is the order of the last occurrence
            params.put(key, value);
        }
        List<String> problems = new ArrayList<>();
        Optional<RootSpec> root = Optional.empty();
        if (params.containsKey("root")) {
            try {
                root = Optional.of(RootSpec.parse(params.get("root")));
            } catch (IllegalArgumentException e) {
                problems.add("root=" + params.get("root") + ": " + e.getMessage());
            }
        }
        Optional<Duration> rootWait = Optional.empty();
        if (params.containsKey("rootwait")) {
            String v = params.get("rootwait");
            rootWait = Optional.of(v.isEmpty() ? WAIT_FOREVER : seconds("rootwait", v, problems).orElse(WAIT_FOREVER));
        }
        Duration rootDelay = params.containsKey("rootdelay")
                ? seconds("rootdelay", params.get("rootdelay"), problems).orElse(Duration.ZERO) : Duration.ZERO;
        Optional<String> init = nonEmpty(params.get("init"));
        if (init.isPresent() && !init.get().startsWith("/")) {
            problems.add("init=" + init.get() + ": not an absolute path (ignored)");
            init = Optional.empty();
        }
        return new KernelCommandLine(root, nonEmpty(params.get("rootfstype")),
                MountOptions.parse(params.getOrDefault("rootflags", "")), !params.containsKey("rw"), rootWait, rootDelay,
                init, flag(params, "dynamod.emergency", problems), flag(params, "dynamod.debug", problems),
                nonEmpty(params.get("dynamod.config")), params, problems);
    }

    /** The kernel's split: blanks separate words, double quotes group without being part of the word. */
    static List<String> words(String line) {
        List<String> words = new ArrayList<>();
        StringBuilder word = new StringBuilder();
        boolean quoted = false, any = false;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (c == '"') {
                quoted = !quoted;
                any = true;
            } else if (!quoted && Character.isWhitespace(c)) {
                if (any) words.add(word.toString());
                word.setLength(0);
                any = false;
            } else {
                word.append(c);
                any = true;
            }
        }
        if (any) words.add(word.toString());
        return words;
    }

    /** {@code key}, {@code key=1|yes|true|on} turn it on; {@code key=0|no|false|off} off. */
    private static boolean flag(Map<String, String> params, String key, List<String> problems) {
        if (!params.containsKey(key)) return false;
        return switch (params.get(key)) {
            case "", "1", "yes", "true", "on" -> true;
            case "0", "no", "false", "off" -> false;
            default -> {
                problems.add(key + "=" + params.get(key) + ": expected yes or no (taken as yes)");
                yield true;
            }
        };
    }

    private static Optional<Duration> seconds(String key, String value, List<String> problems) {
        try {
            long n = Long.parseLong(value);
            if (n < 0) throw new NumberFormatException();
            Duration d = Duration.ofSeconds(n);
            return Optional.of(d.compareTo(WAIT_FOREVER) > 0 ? WAIT_FOREVER : d); // so that it fits in nanoseconds
        } catch (NumberFormatException e) {
            problems.add(key + "=" + value + ": not a number of seconds");
            return Optional.empty();
        }
    }

    private static Optional<String> nonEmpty(String s) {
        return s == null || s.isEmpty() ? Optional.empty() : Optional.of(s);
    }
}
