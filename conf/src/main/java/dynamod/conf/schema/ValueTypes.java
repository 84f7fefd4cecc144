package dynamod.conf.schema;

import dynamod.conf.SourcePosition;
import dynamod.conf.spec.Capability;
import dynamod.conf.spec.ConfigEnum;
import dynamod.conf.spec.CpuMax;
import dynamod.conf.spec.EnvironmentFile;
import dynamod.conf.value.ByteSizes;
import dynamod.conf.value.Durations;
import dynamod.conf.value.Limit;
import dynamod.conf.value.Parsed;
import dynamod.conf.value.Signal;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Duration;
import java.time.temporal.TemporalAccessor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.tomlj.TomlArray;
import org.tomlj.TomlTable;

/** The value types of the configuration schema. Every reader reports its problems and returns null for them. */
public final class ValueTypes {

    private ValueTypes() {}

    /** "a string", "an integer": what a TOML value is, for "expected X, found Y" messages. */
    public static String tomlTypeOf(Object value) {
        return switch (value) {
            case String s -> "a string";
            case Long l -> "an integer";
            case Double d -> "a float";
            case Boolean b -> "a boolean";
            case TomlArray a -> "an array";
            case TomlTable t -> "a table";
            case TemporalAccessor t -> "a date or time";
            default -> "a " + value.getClass().getSimpleName();
        };
    }

    private static <T> T expected(String what, Object value, SourcePosition at, String label, FileContext ctx) {
        ctx.error(at, label + ": expected " + what + ", found " + tomlTypeOf(value) + describeValue(value));
        return null;
    }

    private static String describeValue(Object value) {
        return switch (value) {
            case String s -> " " + quote(s);
            case Long l -> " " + l;
            case Boolean b -> " " + b;
            case Double d -> " " + d;
            default -> "";
        };
    }

    /** A string quoted for a message, shortened and with control characters escaped. */
    public static String quote(String text) {
        String shown = text.length() > 60 ? text.substring(0, 57) + "..." : text;
        StringBuilder out = new StringBuilder("\"");
        shown.codePoints().forEach(c -> {
            if (c == '"' || c == '\\') out.append('\\').appendCodePoint(c);
            else if (c < 32 || c == 127) out.append(String.format("\\u%04X", c));
            else out.appendCodePoint(c);
        });
        return out.append('"').toString();
    }

    private static boolean hasNul(String s) {
        return s.indexOf('\0') >= 0;
    }

    // ---------------------------------------------------------------- strings

    /** Any string without NUL (NUL cannot reach exec, the environment or a file name). */
    public static final ValueType<String> STRING = stringType("string", s -> null);

    /** A service or supervisor name. */
    public static final ValueType<String> NAME = stringType("name", s -> Names.problem(s)
            .map(why -> quote(s) + " is not a valid name: " + why).orElse(null));

    /** An absolute path. */
    public static final ValueType<Path> ABSOLUTE_PATH = new ValueType<>() {
        @Override
        public String description() {
            return "absolute path";
        }

        @Override
        public Path read(Object value, SourcePosition at, String label, FileContext ctx) {
            String text = STRING.read(value, at, label, ctx);
            if (text == null) return null;
            if (!text.startsWith("/")) {
                ctx.error(at, label + ": " + quote(text) + " is not an absolute path (it must start with /)");
                return null;
            }
            return Path.of(text).normalize();
        }

        @Override
        public String format(Path value) {
            return quote(value.toString());
        }
    };

    private static final Pattern HOSTNAME_LABEL = Pattern.compile("[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?");
    private static final Pattern IPV4 = Pattern.compile("(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})");
    private static final Pattern IPV6 = Pattern.compile("[0-9A-Fa-f:.]+");

    /** A host name, an IPv4 address or an IPv6 address, for TCP readiness. */
    public static final ValueType<String> HOST = stringType("host name or IP address", ValueTypes::hostProblem);

    private static String hostProblem(String host) {
        String h = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
        var v4 = IPV4.matcher(h);
        if (v4.matches()) {
            for (int g = 1; g <= 4; g++) {
                if (Integer.parseInt(v4.group(g)) > 255) return quote(host) + " is not an IPv4 address";
            }
            return null;
        }
        if (h.contains(":")) {
            boolean ok = IPV6.matcher(h).matches() && h.chars().filter(c -> c == ':').count() >= 2 && h.length() <= 45;
            return ok ? null : quote(host) + " is not an IPv6 address";
        }
        if (h.isEmpty() || h.length() > 253) return quote(host) + " is not a host name";
        for (String label : h.split("\\.", -1)) {
            if (!HOSTNAME_LABEL.matcher(label).matches()) return quote(host) + " is not a host name or IP address";
        }
        return null;
    }

    /** A host name as sethostname(2) takes it: labels of letters, digits and '-', at most 64 bytes in all. */
    public static final ValueType<String> HOSTNAME = stringType("host name", s -> {
        if (s.isEmpty() || s.length() > 64) return quote(s) + " is not a host name: 1 to 64 characters";
        for (String label : s.split("\\.", -1)) {
            if (!HOSTNAME_LABEL.matcher(label).matches()) {
                return quote(s) + " is not a host name: letters, digits and '-' between dots";
            }
        }
        return null;
    });

    private static final Pattern ACCOUNT = Pattern.compile("[A-Za-z_][A-Za-z0-9_.-]{0,31}\\$?");

    /** A user or group: a name as in /etc/passwd, or a number. */
    public static final ValueType<String> ACCOUNT_NAME = stringType("user or group name or number", s -> {
        if (!s.isEmpty() && s.chars().allMatch(c -> c >= '0' && c <= '9')) {
            return s.length() <= 10 && Long.parseLong(s) < 4_294_967_295L ? null : quote(s) + " is not a valid id";
        }
        return ACCOUNT.matcher(s).matches() ? null
                : quote(s) + " is not a valid user or group name (letters, digits, '_', '.', '-', at most 32 characters)";
    });

    /** A string type with an extra check that returns the problem, or null when the string is fine. */
    private static ValueType<String> stringType(String description, Function<String, String> check) {
        return new ValueType<>() {
            @Override
            public String description() {
                return description;
            }

            @Override
            public String read(Object value, SourcePosition at, String label, FileContext ctx) {
                if (!(value instanceof String s)) return expected("a string", value, at, label, ctx);
                if (hasNul(s)) {
                    ctx.error(at, label + ": the string contains a NUL character (\\u0000)");
                    return null;
                }
                String problem = check.apply(s);
                if (problem != null) {
                    ctx.error(at, label + ": " + problem);
                    return null;
                }
                return s;
            }

            @Override
            public String format(String value) {
                return quote(value);
            }
        };
    }

    // ---------------------------------------------------------------- arrays

    /** An array whose elements all have one type; positions are kept for cross-file checks. */
    public static <T> ValueType<List<Located<T>>> arrayOf(ValueType<T> element, String description) {
        return new ValueType<>() {
            @Override
            public String description() {
                return description;
            }

            @Override
            public List<Located<T>> read(Object value, SourcePosition at, String label, FileContext ctx) {
                if (value instanceof String s) return oneInsteadOfArray(s, at, label, ctx);
                if (!(value instanceof TomlArray array)) return expected("an array", value, at, label, ctx);
                List<Located<T>> items = new ArrayList<>();
                boolean ok = true;
                for (int i = 0; i < array.size(); i++) {
                    SourcePosition where = ctx.element(array, i);
                    T item = element.read(array.get(i), where, label + "[" + i + "]", ctx);
                    if (item == null) ok = false;
                    else items.add(new Located<>(item, where));
                }
                return ok ? items : null;
            }

            @Override
            public String format(List<Located<T>> value) {
                return value.stream().map(v -> element.format(v.value())).collect(Collectors.joining(", ", "[", "]"));
            }
        };
    }

    /** A single string where a list is expected: the likely fix is to bracket it. */
    private static <T> T oneInsteadOfArray(String s, SourcePosition at, String label, FileContext ctx) {
        ctx.error(at, label + ": expected an array, found a string " + quote(s) + "; write [" + quote(s) + "]");
        return null;
    }

    /** Capabilities as capabilities(7) names them, in any case, the CAP_ prefix optional; a repeat is a warning. */
    public static final ValueType<Set<Capability>> CAPABILITIES = new ValueType<>() {
        @Override
        public String description() {
            return "array of capability names";
        }

        @Override
        public Set<Capability> read(Object value, SourcePosition at, String label, FileContext ctx) {
            if (value instanceof String s) return oneInsteadOfArray(s, at, label, ctx);
            if (!(value instanceof TomlArray array)) return expected("an array", value, at, label, ctx);
            EnumSet<Capability> set = EnumSet.noneOf(Capability.class);
            boolean ok = true;
            for (int i = 0; i < array.size(); i++) {
                SourcePosition where = ctx.element(array, i);
                if (!(array.get(i) instanceof String name)) {
                    expected("a capability name", array.get(i), where, label + "[" + i + "]", ctx);
                    ok = false;
                    continue;
                }
                var capability = Capability.parse(name);
                if (capability.isEmpty()) {
                    // Suggestions compares in lower case.
                    String lower = name.toLowerCase(java.util.Locale.ROOT);
                    String suggestion = Suggestions.closest(lower.startsWith("cap_") ? lower : "cap_" + lower,
                                    names(Capability.class).stream().map(n -> n.toLowerCase(java.util.Locale.ROOT)).toList())
                            .map(n -> "; did you mean " + quote(n.toUpperCase(java.util.Locale.ROOT)) + "?").orElse("");
                    ctx.error(where, label + "[" + i + "]: " + quote(name) + " is not a capability (capabilities(7): "
                            + "CAP_CHOWN … CAP_CHECKPOINT_RESTORE)" + suggestion);
                    ok = false;
                } else if (!set.add(capability.get())) {
                    ctx.warning(where, label + ": " + quote(capability.get().name()) + " is listed more than once");
                }
            }
            return ok ? set : null;
        }

        @Override
        public String format(Set<Capability> value) {
            return value.stream().map(c -> quote(c.name())).collect(Collectors.joining(", ", "[", "]"));
        }
    };

    /** Service names, as dependency lists hold them; a repeated name is a warning. */
    public static final ValueType<List<Located<String>>> NAMES = withoutRepeats(arrayOf(NAME, "array of service names"));

    /** Group names or numbers. */
    public static final ValueType<List<Located<String>>> ACCOUNT_NAMES =
            withoutRepeats(arrayOf(ACCOUNT_NAME, "array of group names or numbers"));

    private static ValueType<List<Located<String>>> withoutRepeats(ValueType<List<Located<String>>> list) {
        return new ValueType<>() {
            @Override
            public String description() {
                return list.description();
            }

            @Override
            public List<Located<String>> read(Object value, SourcePosition at, String label, FileContext ctx) {
                List<Located<String>> items = list.read(value, at, label, ctx);
                if (items == null) return null;
                Set<String> seen = new HashSet<>();
                List<Located<String>> unique = new ArrayList<>();
                for (Located<String> item : items) {
                    if (seen.add(item.value())) unique.add(item);
                    else ctx.warning(item.position(), label + ": " + quote(item.value()) + " is listed more than once");
                }
                return unique;
            }

            @Override
            public String format(List<Located<String>> value) {
                return list.format(value);
            }
        };
    }

    /**
     * A command line: a non-empty array of strings whose first element is an absolute path or a bare command
     * name (looked up in the service's PATH when it is spawned).
     */
    public static final ValueType<List<String>> COMMAND = new ValueType<>() {
        private final ValueType<List<Located<String>>> strings = arrayOf(STRING, "array of strings");

        @Override
        public String description() {
            return "command (array of strings)";
        }

        @Override
        public List<String> read(Object value, SourcePosition at, String label, FileContext ctx) {
            if (value instanceof String s) {
                ctx.error(at, label + ": expected an array of strings, found a string; write it as "
                        + example(s));
                return null;
            }
            List<Located<String>> items = strings.read(value, at, label, ctx);
            if (items == null) return null;
            if (items.isEmpty()) {
                ctx.error(at, label + ": the command is empty; name a program, e.g. [\"/usr/bin/program\", \"--flag\"]");
                return null;
            }
            String program = items.getFirst().value();
            if (program.isEmpty() || (program.contains("/") && !program.startsWith("/"))) {
                ctx.error(items.getFirst().position(), label + ": " + quote(program)
                        + " is neither an absolute path nor a command name to look up in PATH");
                return null;
            }
            if (items.size() == 1 && program.strip().contains(" ")) {
                ctx.warning(items.getFirst().position(), label + ": the program name " + quote(program)
                        + " contains spaces; if these are arguments, write " + example(program));
            }
            return items.stream().map(Located::value).toList();
        }

        private String example(String commandLine) {
            String[] words = commandLine.strip().split("\\s+");
            if (words.length > 6) words = Arrays.copyOf(words, 6);
            return Arrays.stream(words).map(ValueTypes::quote).collect(Collectors.joining(", ", "[", "]"))
                    + " (one element per argument; no shell is involved)";
        }

        @Override
        public String format(List<String> value) {
            return value.stream().map(ValueTypes::quote).collect(Collectors.joining(", ", "[", "]"));
        }
    };

    /**
     * One path or an array of paths; a leading {@code -} marks a file that may be missing; a relative path is
     * relative to the directory of the file that names it.
     */
    public static final ValueType<List<EnvironmentFile>> ENVIRONMENT_FILES = new ValueType<>() {
        @Override
        public String description() {
            return "path or array of paths";
        }

        @Override
        public List<EnvironmentFile> read(Object value, SourcePosition at, String label, FileContext ctx) {
            List<Located<String>> paths;
            if (value instanceof TomlArray) paths = arrayOf(STRING, "").read(value, at, label, ctx);
            else {
                String one = STRING.read(value, at, label, ctx);
                paths = one == null ? null : List.of(new Located<>(one, at));
            }
            if (paths == null) return null;
            List<EnvironmentFile> files = new ArrayList<>();
            Path base = ctx.file().toAbsolutePath().getParent();
            for (Located<String> path : paths) {
                boolean optional = path.value().startsWith("-");
                String name = optional ? path.value().substring(1) : path.value();
                if (name.isEmpty()) {
                    ctx.error(path.position(), label + ": the path is empty");
                    return null;
                }
                Path resolved = name.startsWith("/") ? Path.of(name) : base.resolve(name);
                files.add(new EnvironmentFile(resolved.normalize(), optional));
            }
            return files;
        }

        @Override
        public String format(List<EnvironmentFile> value) {
            return value.stream().map(f -> quote((f.optional() ? "-" : "") + f.path()))
                    .collect(Collectors.joining(", ", "[", "]"));
        }
    };

    // ---------------------------------------------------------------- numbers, booleans, enums

    public static final ValueType<Boolean> BOOLEAN = new ValueType<>() {
        @Override
        public String description() {
            return "boolean";
        }

        @Override
        public Boolean read(Object value, SourcePosition at, String label, FileContext ctx) {
            if (value instanceof Boolean b) return b;
            if (value instanceof String s && (s.equals("true") || s.equals("false") || s.equals("yes") || s.equals("no"))) {
                ctx.error(at, label + ": expected a boolean, found the string " + quote(s)
                        + "; write " + (s.equals("true") || s.equals("yes")) + " without quotes");
                return null;
            }
            return expected("a boolean (true or false)", value, at, label, ctx);
        }

        @Override
        public String format(Boolean value) {
            return value.toString();
        }
    };

    /** An integer in {@code [min, max]}. */
    public static ValueType<Integer> integer(int min, int max) {
        return new ValueType<>() {
            @Override
            public String description() {
                return "integer " + min + "–" + max;
            }

            @Override
            public Integer read(Object value, SourcePosition at, String label, FileContext ctx) {
                if (!(value instanceof Long n)) return expected("an integer", value, at, label, ctx);
                if (n < min || n > max) {
                    ctx.error(at, label + ": " + n + " is out of range; it must be between " + min + " and " + max);
                    return null;
                }
                return n.intValue();
            }

            @Override
            public String format(Integer value) {
                return value.toString();
            }
        };
    }

    /** A positive count or {@code "max"} (pids-max). */
    public static final ValueType<Limit> COUNT_OR_MAX = new ValueType<>() {
        @Override
        public String description() {
            return "integer ≥ 1 or \"max\"";
        }

        @Override
        public Limit read(Object value, SourcePosition at, String label, FileContext ctx) {
            if (value instanceof String s && (s.equalsIgnoreCase("max") || s.equalsIgnoreCase("infinity"))) return Limit.MAX;
            if (!(value instanceof Long n)) return expected("an integer or \"max\"", value, at, label, ctx);
            if (n < 1 || n == Long.MAX_VALUE) {
                ctx.error(at, label + ": " + n + " is out of range; it must be at least 1 (or \"max\" for no limit)");
                return null;
            }
            return new Limit(n);
        }

        @Override
        public String format(Limit value) {
            return value.isMax() ? "\"max\"" : value.kernelValue();
        }
    };

    /** One of the values of a {@link ConfigEnum}, by its TOML name. */
    public static <E extends Enum<E> & ConfigEnum> ValueType<E> oneOf(Class<E> type) {
        return new ValueType<>() {
            @Override
            public String description() {
                return "one of " + allowed(type);
            }

            @Override
            public E read(Object value, SourcePosition at, String label, FileContext ctx) {
                if (!(value instanceof String s)) return expected("a string, one of " + allowed(type), value, at, label, ctx);
                for (E e : type.getEnumConstants()) if (e.tomlName().equals(s)) return e;
                String suggestion = Suggestions.closest(s, names(type)).map(n -> "; did you mean " + quote(n) + "?").orElse("");
                ctx.error(at, label + ": " + quote(s) + " is not one of " + allowed(type) + suggestion);
                return null;
            }

            @Override
            public String format(E value) {
                return quote(value.tomlName());
            }
        };
    }

    /** A set of {@link ConfigEnum} values; {@code aliases} maps extra spellings. A repeated value is a warning. */
    public static <E extends Enum<E> & ConfigEnum> ValueType<Set<E>> setOf(Class<E> type, Map<String, E> aliases) {
        return new ValueType<>() {
            @Override
            public String description() {
                return "array of " + allowed(type);
            }

            @Override
            public Set<E> read(Object value, SourcePosition at, String label, FileContext ctx) {
                if (value instanceof String s) return oneInsteadOfArray(s, at, label, ctx);
                if (!(value instanceof TomlArray array)) return expected("an array", value, at, label, ctx);
                EnumSet<E> set = EnumSet.noneOf(type);
                boolean ok = true;
                for (int i = 0; i < array.size(); i++) {
                    SourcePosition where = ctx.element(array, i);
                    Object item = array.get(i);
                    E e = item instanceof String s && aliases.containsKey(s) ? aliases.get(s)
                            : oneOf(type).read(item, where, label + "[" + i + "]", ctx);
                    if (e == null) ok = false;
                    else if (!set.add(e)) ctx.warning(where, label + ": " + quote(e.tomlName()) + " is listed more than once");
                }
                return ok ? set : null;
            }

            @Override
            public String format(Set<E> value) {
                return value.stream().map(e -> quote(e.tomlName())).collect(Collectors.joining(", ", "[", "]"));
            }
        };
    }

    static <E extends Enum<E> & ConfigEnum> List<String> names(Class<E> type) {
        return Arrays.stream(type.getEnumConstants()).map(ConfigEnum::tomlName).toList();
    }

    static <E extends Enum<E> & ConfigEnum> String allowed(Class<E> type) {
        return names(type).stream().map(ValueTypes::quote).collect(Collectors.joining(", "));
    }

    // ---------------------------------------------------------------- durations, sizes, signals

    /** The parsed value, or null after reporting why it is invalid. */
    private static <T> T valueOf(Parsed<T> parsed, SourcePosition at, String label, FileContext ctx) {
        return switch (parsed) {
            case Parsed.Ok<T> ok -> ok.value();
            case Parsed.Invalid<T> invalid -> {
                ctx.error(at, label + ": " + invalid.reason());
                yield null;
            }
        };
    }

    /** A duration of at least {@code min}. */
    public static ValueType<Duration> duration(Duration min) {
        return new ValueType<>() {
            @Override
            public String description() {
                return "duration";
            }

            @Override
            public Duration read(Object value, SourcePosition at, String label, FileContext ctx) {
                Parsed<Duration> parsed = switch (value) {
                    case String s -> Durations.parse(s);
                    case Long n -> Durations.ofSeconds(BigDecimal.valueOf(n), n.toString());
                    case Double d when Double.isFinite(d) -> Durations.ofSeconds(BigDecimal.valueOf(d), d.toString());
                    case Double d -> Parsed.<Duration>invalid(d + " is not a duration; write e.g. " + Durations.EXAMPLES);
                    default -> null;
                };
                if (parsed == null) return expected("a duration such as " + Durations.EXAMPLES, value, at, label, ctx);
                Duration duration = valueOf(parsed, at, label, ctx);
                if (duration != null && duration.compareTo(min) < 0) {
                    ctx.error(at, label + ": " + Durations.format(duration) + " is too short; it must be at least " + Durations.format(min));
                    return null;
                }
                return duration;
            }

            @Override
            public String format(Duration value) {
                return quote(Durations.format(value));
            }
        };
    }

    public static final ValueType<Duration> DURATION = duration(Duration.ZERO);

    /** A duration that must be at least a millisecond: timeouts, windows, intervals. */
    public static final ValueType<Duration> POSITIVE_DURATION = duration(Duration.ofMillis(1));

    public static final ValueType<Limit> SIZE = new ValueType<>() {
        @Override
        public String description() {
            return "size";
        }

        @Override
        public Limit read(Object value, SourcePosition at, String label, FileContext ctx) {
            Parsed<Limit> parsed = switch (value) {
                case String s -> ByteSizes.parse(s);
                case Long n -> ByteSizes.ofBytes(n);
                default -> null;
            };
            if (parsed == null) return expected("a size such as " + ByteSizes.EXAMPLES, value, at, label, ctx);
            return valueOf(parsed, at, label, ctx);
        }

        @Override
        public String format(Limit value) {
            return quote(ByteSizes.format(value));
        }
    };

    /** A size in bytes within {@code [min, max]}, written as sizes are ({@code "48K"}, {@code 4096}); no {@code "max"}. */
    public static ValueType<Integer> size(int min, int max) {
        String low = ByteSizes.format(new Limit(min)), high = ByteSizes.format(new Limit(max));
        return new ValueType<>() {
            @Override
            public String description() {
                return "size " + low + "–" + high;
            }

            @Override
            public Integer read(Object value, SourcePosition at, String label, FileContext ctx) {
                Limit limit = SIZE.read(value, at, label, ctx);
                if (limit == null) return null;
                if (limit.isMax() || limit.value() < min || limit.value() > max) {
                    ctx.error(at, label + ": " + (limit.isMax() ? "max" : ByteSizes.format(limit))
                            + " is out of range; it must be between " + low + " and " + high);
                    return null;
                }
                return (int) limit.value();
            }

            @Override
            public String format(Integer value) {
                return quote(ByteSizes.format(new Limit(value)));
            }
        };
    }

    public static final ValueType<Signal> SIGNAL = new ValueType<>() {
        @Override
        public String description() {
            return "signal";
        }

        @Override
        public Signal read(Object value, SourcePosition at, String label, FileContext ctx) {
            Parsed<Signal> parsed = switch (value) {
                case String s -> Signal.parse(s);
                case Long n -> Signal.ofNumber(n);
                default -> null;
            };
            if (parsed == null) return expected("a signal name or number", value, at, label, ctx);
            return valueOf(parsed, at, label, ctx);
        }

        @Override
        public String format(Signal value) {
            return quote(value.name());
        }
    };

    /** {@code cpu.max}: {@code "max"}, {@code "50%"} (of one CPU), {@code "QUOTA"} or {@code "QUOTA PERIOD"} in µs. */
    public static final ValueType<CpuMax> CPU_MAX = new ValueType<>() {
        @Override
        public String description() {
            return "CPU quota";
        }

        @Override
        public CpuMax read(Object value, SourcePosition at, String label, FileContext ctx) {
            if (!(value instanceof String s)) {
                return expected("a string such as \"50%\", \"max\" or \"50000 100000\"", value, at, label, ctx);
            }
            String problem = null;
            CpuMax result = null;
            String[] words = s.strip().split("\\s+");
            if (words.length == 1 && words[0].endsWith("%")) {
                String percent = words[0].substring(0, words[0].length() - 1);
                if (percent.matches("\\d{1,6}(\\.\\d{1,3})?")) {
                    long quota = new BigDecimal(percent).multiply(BigDecimal.valueOf(CpuMax.DEFAULT_PERIOD_MICROS / 100)).longValue();
                    result = new CpuMax(quota, CpuMax.DEFAULT_PERIOD_MICROS);
                } else {
                    problem = quote(s) + " is not a percentage";
                }
            } else if (words.length == 1 || words.length == 2) {
                long quota = words[0].equals("max") ? CpuMax.MAX : micros(words[0]);
                long period = words.length == 2 ? micros(words[1]) : CpuMax.DEFAULT_PERIOD_MICROS;
                if (quota < 0 || period < 0) problem = quote(s) + " is not \"QUOTA PERIOD\" in microseconds";
                else result = new CpuMax(quota, period);
            } else {
                problem = quote(s) + " has too many parts";
            }
            if (result != null && (result.periodMicros() < 1_000 || result.periodMicros() > 1_000_000)) {
                problem = "the period " + result.periodMicros() + "µs is outside the kernel's range 1000–1000000µs";
            } else if (result != null && !result.isUnlimited() && result.quotaMicros() < 1_000) {
                problem = "the quota " + result.quotaMicros() + "µs is below the kernel's minimum of 1000µs (1% of a CPU)";
            }
            if (problem != null) {
                ctx.error(at, label + ": " + problem + "; write e.g. \"50%\", \"200%\", \"max\" or \"50000 100000\"");
                return null;
            }
            return result;
        }

        private long micros(String word) {
            return word.matches("\\d{1,12}") ? Long.parseLong(word) : -1;
        }

        @Override
        public String format(CpuMax value) {
            return quote(value.kernelValue());
        }
    };

    // ---------------------------------------------------------------- tables

    private static final Pattern ENVIRONMENT_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

    /** Environment variables: a table of names to strings (numbers and booleans are taken as their text). */
    public static final ValueType<Map<String, String>> ENVIRONMENT = new ValueType<>() {
        @Override
        public String description() {
            return "table of strings";
        }

        @Override
        public Map<String, String> read(Object value, SourcePosition at, String label, FileContext ctx) {
            if (!(value instanceof TomlTable table)) return expected("a table such as { KEY = \"value\" }", value, at, label, ctx);
            Map<String, String> environment = new LinkedHashMap<>();
            boolean ok = true;
            for (String name : table.keySet()) {
                SourcePosition where = ctx.keyOf(table, name);
                Object raw = table.get(List.of(name));
                String text = switch (raw) {
                    case String s -> s;
                    // As written: 0x1F stays 0x1F, 1e3 stays 1e3.
                    case Long n -> ctx.literalAt(ctx.valueOf(table, name), n.toString());
                    case Double d -> ctx.literalAt(ctx.valueOf(table, name), d.toString());
                    case Boolean b -> b.toString();
                    default -> null;
                };
                if (!ENVIRONMENT_NAME.matcher(name).matches()) {
                    ctx.error(where, label + ": " + quote(name)
                            + " is not a valid variable name (letters, digits and '_', not starting with a digit)");
                    ok = false;
                } else if (text == null) {
                    ctx.error(ctx.valueOf(table, name), label + "." + name + ": expected a string, found " + tomlTypeOf(raw));
                    ok = false;
                } else if (hasNul(text)) {
                    ctx.error(ctx.valueOf(table, name), label + "." + name + ": the value contains a NUL character");
                    ok = false;
                } else {
                    environment.put(name, text);
                }
            }
            return ok ? new TreeMap<>(environment) : null;
        }

        @Override
        public String format(Map<String, String> value) {
            return value.entrySet().stream().map(e -> e.getKey() + " = " + quote(e.getValue()))
                    .collect(Collectors.joining(", ", "{", "}")).replace("{}", "{ }");
        }
    };

    /** An array of tables, each read by {@code row} against {@code section}. */
    public static <T> ValueType<List<T>> tables(Section section, Function<TableReader, T> row) {
        return new ValueType<>() {
            @Override
            public String description() {
                return "array of tables";
            }

            @Override
            public List<T> read(Object value, SourcePosition at, String label, FileContext ctx) {
                if (!(value instanceof TomlArray array)) return expected("an array of tables", value, at, label, ctx);
                List<T> rows = new ArrayList<>();
                boolean ok = true;
                for (int i = 0; i < array.size(); i++) {
                    SourcePosition where = ctx.element(array, i);
                    if (!(array.get(i) instanceof TomlTable table)) {
                        expected("a table", array.get(i), where, label + "[" + i + "]", ctx);
                        ok = false;
                        continue;
                    }
                    TableReader reader = new TableReader(ctx, section, table, where, label + "[" + i + "]");
                    T item = row.apply(reader);
                    reader.reportUnknownKeys(List.of());
                    if (item == null || reader.failed()) ok = false;
                    else rows.add(item);
                }
                return ok ? rows : null;
            }

            @Override
            public String format(List<T> value) {
                return value.isEmpty() ? "[]" : value.toString();
            }
        };
    }
}
