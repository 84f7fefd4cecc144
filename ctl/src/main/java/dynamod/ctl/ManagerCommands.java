package dynamod.ctl;

import dynamod.ctl.out.Style;
import dynamod.journal.text.Json;
import dynamod.svmgr.control.ControlClient;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** The commands that talk to a running manager over its control socket. */
final class ManagerCommands {

    private ManagerCommands() {}

    /** systemctl's exit codes, where scripts rely on them. */
    static final int EXIT_FAILED = 1, EXIT_NOT_RUNNING = 3, EXIT_UNKNOWN_UNIT = 4, EXIT_NO_UNIT = 5;

    /** Where the manager is, and how to print. */
    static final class Connection {
        @Option(names = "--runtime-dir", paramLabel = "DIR",
                description = "the manager's runtime directory (default: $DYNAMOD_RUNTIME_DIR, else /run/dynamod)")
        Path runtimeDir;

        @Option(names = "--json", description = "print JSON")
        boolean json;

        @Spec(Spec.Target.MIXEE)
        CommandSpec spec;

        Path runtimeDir() {
            if (runtimeDir != null) return runtimeDir;
            String env = System.getenv("DYNAMOD_RUNTIME_DIR");
            return Path.of(env != null && !env.isEmpty() ? env : "/run/dynamod");
        }

        PrintWriter out() {
            return spec.commandLine().getOut();
        }

        PrintWriter err() {
            return spec.commandLine().getErr();
        }

        /** Answers instead of the manager (the journal's state at a past moment: {@code state --at}); null: the manager. */
        java.util.function.UnaryOperator<Map<String, Object>> answerer;

        /**
         * One request; null (after saying why) when the manager cannot be reached. A read-only request is then
         * answered from the journal, if there is one (see {@link OfflineViews}).
         */
        Map<String, Object> call(Map<String, Object> request) {
            if (answerer != null) return answerer.apply(request);
            request.putIfAbsent("caller", "dynamodctl");
            try (ControlClient client = ControlClient.connect(runtimeDir())) {
                return client.call(request);
            } catch (IOException e) {
                String unreachable = "cannot reach the manager at " + runtimeDir().resolve(ControlClient.SOCKET_NAME) + ": " + e.getMessage();
                return OfflineViews.answer(this, request, unreachable);
            }
        }

        /** Prints a failed response; returns the exit code it means. */
        int failure(Map<String, Object> response) {
            String code = String.valueOf(response.get("code"));
            err().println("dynamodctl: " + response.get("error"));
            return switch (code) {
                case "unknown-service" -> EXIT_NO_UNIT;
                case "permission-denied" -> 4;
                default -> EXIT_FAILED;
            };
        }
    }

    static Map<String, Object> request(String command) {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("command", command);
        return r;
    }

    @SuppressWarnings("unchecked")
    static List<Map<String, Object>> maps(Object list) {
        return list == null ? List.of() : (List<Map<String, Object>>) list;
    }

    static String str(Map<String, Object> m, String key) {
        Object v = m.get(key);
        return v == null ? "" : String.valueOf(v);
    }

    static String coloured(Style style, String state) {
        return switch (state) {
            case "running", "done" -> style.green(state);
            case "failed", "blocked" -> style.red(state);
            case "starting", "stopping", "reloading", "waiting" -> style.yellow(state);
            default -> state;
        };
    }

    @Command(name = "list", description = "List the services: state, since, pid, supervisor, restarts.")
    static final class ListCommand implements Callable<Integer> {
        @Mixin Connection c;

        @Override
        public Integer call() {
            Map<String, Object> r = c.call(request("list"));
            if (r == null) return EXIT_FAILED;
            if (!Boolean.TRUE.equals(r.get("ok"))) return c.failure(r);
            if (c.json) {
                c.out().println(Json.write(r.get("services")));
                return 0;
            }
            Style style = Style.forStdout();
            List<Map<String, Object>> services = maps(r.get("services"));
            int w = Math.max(7, services.stream().mapToInt(s -> str(s, "name").length()).max().orElse(0));
            c.out().printf("%-" + w + "s  %-9s  %-24s  %7s  %-12s  %8s  %s%n", "SERVICE", "STATE", "SINCE", "PID", "SUPERVISOR", "RESTARTS", "WHY");
            for (Map<String, Object> s : services) {
                String state = str(s, "state");
                String pad = " ".repeat(Math.max(0, 9 - state.length()));
                String cause = s.get("cause") == null ? "" : String.valueOf(s.get("cause"));
                String why = str(s, "reason") + (!cause.isEmpty() && !str(s, "reason").contains(cause) ? " (" + cause + ")" : "");
                c.out().printf("%-" + w + "s  %s%s  %-24s  %7s  %-12s  %8s  %s%n", str(s, "name"), coloured(style, state), pad,
                        str(s, "since"), "0".equals(str(s, "pid")) ? "-" : str(s, "pid"), str(s, "supervisor"), str(s, "restarts"), why);
            }
            return 0;
        }
    }

    @Command(name = "status", description = "Show services in detail. Exit 0: all running; 3: one is not; 4: one is unknown.")
    static final class StatusCommand implements Callable<Integer> {
        @Mixin Connection c;

        @Parameters(arity = "1..*", paramLabel = "SERVICE")
        List<String> services;

        @Override
        public Integer call() {
            Map<String, Object> req = request("status");
            req.put("services", services);
            Map<String, Object> r = c.call(req);
            if (r == null) return EXIT_UNKNOWN_UNIT;
            if (!Boolean.TRUE.equals(r.get("ok"))) return c.failure(r);
            List<Map<String, Object>> found = maps(r.get("services"));
            @SuppressWarnings("unchecked")
            List<Object> unknown = (List<Object>) r.getOrDefault("unknown", List.of());
            if (c.json) {
                c.out().println(Json.write(r));
            } else {
                Style style = Style.forStdout();
                for (Map<String, Object> s : found) {
                    c.out().println("● " + str(s, "unit") + (s.get("description") != null ? " - " + s.get("description") : ""));
                    c.out().println("     State: " + coloured(style, str(s, "state")) + " since " + str(s, "since") + " (" + str(s, "reason")
                            + (s.get("cause") != null ? ", by " + s.get("cause") : "") + ")");
                    if (!"0".equals(str(s, "pid"))) c.out().println("  Main PID: " + str(s, "pid"));
                    c.out().println("      Type: " + str(s, "type") + ", readiness " + str(s, "readiness"));
                    if (s.get("statusText") != null) c.out().println("    Status: \"" + s.get("statusText") + "\"");
                    if (s.get("lastExit") != null) c.out().println(" Last exit: " + s.get("lastExit"));
                    c.out().println("  Restarts: " + str(s, "restarts") + " (attempt " + str(s, "attempt") + ")");
                    c.out().println("Supervisor: " + str(s, "supervisor"));
                    c.out().println("    Config: " + str(s, "origin"));
                    c.out().println();
                }
                for (Object u : unknown) c.err().println("dynamodctl: no service " + u);
            }
            if (!unknown.isEmpty()) return EXIT_UNKNOWN_UNIT;
            return found.stream().allMatch(s -> "running".equals(s.get("state")) || "done".equals(s.get("state"))) ? 0 : EXIT_NOT_RUNNING;
        }
    }

    /** start, stop, restart, reload NAME: one command to one service. */
    abstract static class ServiceCommand implements Callable<Integer> {
        @Mixin Connection c;

        @Parameters(arity = "1..*", paramLabel = "SERVICE")
        List<String> services;

        abstract String command();

        @Override
        public Integer call() {
            int exit = 0;
            List<Object> results = new ArrayList<>();
            for (String service : services) {
                Map<String, Object> req = request(command());
                req.put("service", service);
                Map<String, Object> r = c.call(req);
                if (r == null) return EXIT_FAILED;
                results.add(r);
                if (!Boolean.TRUE.equals(r.get("ok"))) {
                    if (!c.json) exit = Math.max(exit, c.failure(r));
                    else exit = Math.max(exit, "unknown-service".equals(r.get("code")) ? EXIT_NO_UNIT : EXIT_FAILED);
                }
            }
            if (c.json) c.out().println(Json.write(results));
            return exit;
        }
    }

    @Command(name = "start", description = "Start services (and what they require); clears a stop or a failure.")
    static final class StartCommand extends ServiceCommand {
        String command() {
            return "start";
        }
    }

    @Command(name = "stop", description = "Stop services; they stay stopped until started.")
    static final class StopCommand extends ServiceCommand {
        String command() {
            return "stop";
        }
    }

    @Command(name = "restart", description = "Stop and start services again (never two instances).")
    static final class RestartCommand extends ServiceCommand {
        String command() {
            return "restart";
        }
    }

    @Command(name = "reload", description = "Without SERVICE: load the configuration again and apply the switch plan "
            + "(--dry-run prints it). With SERVICE: ask the service to reload (SIGHUP).")
    static final class ReloadCommand implements Callable<Integer> {
        @Mixin Connection c;

        @Option(names = "--dry-run", description = "print what a configuration reload would do, and do nothing")
        boolean dryRun;

        @Parameters(arity = "0..*", paramLabel = "SERVICE")
        List<String> services = new ArrayList<>();

        @Override
        public Integer call() {
            if (!services.isEmpty()) {
                int exit = 0;
                for (String s : services) {
                    Map<String, Object> req = request("reload");
                    req.put("service", s);
                    Map<String, Object> r = c.call(req);
                    if (r == null) return EXIT_FAILED;
                    if (c.json) c.out().println(Json.write(r));
                    if (!Boolean.TRUE.equals(r.get("ok"))) exit = Math.max(exit, c.json ? EXIT_FAILED : c.failure(r));
                }
                return exit;
            }
            Map<String, Object> req = request("reload");
            req.put("dryRun", dryRun);
            Map<String, Object> r = c.call(req);
            if (r == null) return EXIT_FAILED;
            if (c.json) {
                c.out().println(Json.write(r));
            } else {
                for (Object d : (List<?>) r.getOrDefault("diagnostics", List.of())) c.out().println(d);
                if (r.get("plan") != null) c.out().print(r.get("plan"));
                if (!Boolean.TRUE.equals(r.get("ok"))) return c.failure(r);
                if (dryRun) c.out().println("(dry run: nothing changed)");
            }
            return Boolean.TRUE.equals(r.get("ok")) ? 0 : EXIT_FAILED;
        }
    }

    @Command(name = "tree", description = "Show the supervisor tree with the state of every service.")
    static final class TreeCommand implements Callable<Integer> {
        @Mixin Connection c;

        @Override
        public Integer call() {
            Map<String, Object> r = c.call(request("tree"));
            if (r == null) return EXIT_FAILED;
            if (!Boolean.TRUE.equals(r.get("ok"))) return c.failure(r);
            if (c.json) {
                c.out().println(Json.write(r.get("tree")));
                return 0;
            }
            @SuppressWarnings("unchecked")
            Map<String, Object> root = (Map<String, Object>) r.get("tree");
            if (root.isEmpty()) {
                c.out().println("(no configuration loaded)");
                return 0;
            }
            Style style = Style.forStdout();
            print(style, root, "", "", c.out());
            return 0;
        }

        private static void print(Style style, Map<String, Object> node, String first, String rest, PrintWriter out) {
            if ("supervisor".equals(node.get("kind"))) {
                out.println(first + style.cyan(str(node, "name")) + " [" + str(node, "strategy") + ", " + str(node, "status")
                        + (!"0".equals(str(node, "restarts")) ? ", " + str(node, "restarts") + " restarts" : "") + "]");
                List<Map<String, Object>> children = maps(node.get("children"));
                for (int i = 0; i < children.size(); i++) {
                    boolean last = i == children.size() - 1;
                    print(style, children.get(i), rest + (last ? style.lastBranch() : style.branch()),
                            rest + (last ? "   " : style.continuation()), out);
                }
            } else {
                out.println(first + str(node, "name") + " " + coloured(style, str(node, "state"))
                        + ("0".equals(str(node, "pid")) ? "" : " (pid " + str(node, "pid") + ")"));
            }
        }
    }

    @Command(name = "shutdown", description = "Stop every service in reverse dependency order, then poweroff, reboot, halt "
            + "(a booted machine) or exit (host mode).")
    static final class ShutdownCommand implements Callable<Integer> {
        @Mixin Connection c;

        @Parameters(arity = "0..1", paramLabel = "KIND", defaultValue = "poweroff", description = "poweroff, reboot, halt or exit")
        String kind;

        @Override
        public Integer call() {
            Map<String, Object> req = request("shutdown");
            req.put("kind", kind);
            Map<String, Object> r = c.call(req);
            if (r == null) return EXIT_FAILED;
            if (c.json) c.out().println(Json.write(r));
            if (!Boolean.TRUE.equals(r.get("ok"))) return c.json ? EXIT_FAILED : c.failure(r);
            if (!c.json) c.out().println("shutdown (" + kind + ") under way");
            return 0;
        }
    }
}
