package dynamod.ctl;

import dynamod.ctl.out.ServicePrinter;
import dynamod.journal.text.Json;
import dynamod.svmgr.control.ControlClient;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
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

    static String str(Map<String, Object> m, String key) {
        return ServicePrinter.str(m, key);
    }

    static ServicePrinter printer(Connection c) {
        return new ServicePrinter(Dynamodctl.style(c.spec), Instant.now(), ZoneId.systemDefault());
    }

    @Command(name = "list", description = "List the services: state (systemd's active state) and sub-state (dynamod's own), "
            + "since, main pid, supervisor, restarts within the start-limit window, and why.")
    static final class ListCommand implements Callable<Integer> {
        @Mixin Connection c;

        @Override
        public Integer call() {
            Map<String, Object> r = c.call(request("list"));
            if (r == null) return EXIT_FAILED;
            if (!Boolean.TRUE.equals(r.get("ok"))) return c.failure(r);
            if (c.json) c.out().println(Json.write(r.get("services")));
            else c.out().print(printer(c).list(ServicePrinter.maps(r.get("services"))));
            return 0;
        }
    }

    @Command(name = "status", description = {"Show services in detail, with their last log lines.",
        "Exit 0: all are active (running, done, reloading); 3: one is not; 4: one is unknown."})
    static final class StatusCommand implements Callable<Integer> {
        @Mixin Connection c;

        @Option(names = {"-n", "--lines"}, paramLabel = "N", defaultValue = "10", description = "Log lines to show (default 10; 0: none).")
        int lines;

        @Parameters(arity = "1..*", paramLabel = "SERVICE")
        List<String> services;

        @Override
        public Integer call() {
            if (lines < 0) throw new ParameterException(c.spec.commandLine(), "--lines must be 0 or more: " + lines);
            Map<String, Object> req = request("status");
            req.put("services", services);
            Map<String, Object> r = c.call(req);
            if (r == null) return EXIT_UNKNOWN_UNIT;
            if (!Boolean.TRUE.equals(r.get("ok"))) return c.failure(r);
            List<Map<String, Object>> found = ServicePrinter.maps(r.get("services"));
            @SuppressWarnings("unchecked")
            List<Object> unknown = (List<Object>) r.getOrDefault("unknown", List.of());
            if (c.json) {
                c.out().println(Json.write(r));
            } else {
                ServicePrinter printer = printer(c);
                for (int i = 0; i < found.size(); i++) {
                    Map<String, Object> s = found.get(i);
                    if (i > 0) c.out().println();
                    c.out().print(printer.status(s));
                    if (lines > 0 && r.get("journal") != null) {
                        c.out().println();
                        c.out().print(LogsCommand.lastLines(str(s, "name"), lines, c.runtimeDir(), Path.of(str(r, "journal"))));
                    }
                }
                for (Object u : unknown) c.err().println("dynamodctl: no service " + u);
            }
            if (!unknown.isEmpty()) return EXIT_UNKNOWN_UNIT;
            return found.stream().allMatch(s -> IsActiveCommand.active(str(s, "activeState"))) ? 0 : EXIT_NOT_RUNNING;
        }
    }

    /** is-active and is-failed: systemctl's one-word answers, and an exit code for scripts. */
    abstract static class IsCommand implements Callable<Integer> {
        @Mixin Connection c;

        @Option(names = {"-q", "--quiet"}, description = "Print nothing: only the exit code answers.")
        boolean quiet;

        @Parameters(arity = "1..*", paramLabel = "SERVICE")
        List<String> services;

        /** Whether a service in this active state answers yes. */
        abstract boolean matches(String activeState);

        /** The exit code when no service answers yes. */
        abstract int no();

        @Override
        public Integer call() {
            Map<String, Object> req = request("status");
            req.put("services", services);
            Map<String, Object> r = c.call(req);
            if (r == null) return EXIT_FAILED;
            if (!Boolean.TRUE.equals(r.get("ok"))) return c.failure(r);
            Map<String, Map<String, Object>> byName = new LinkedHashMap<>();
            for (Map<String, Object> s : ServicePrinter.maps(r.get("services"))) byName.put(str(s, "name"), s);
            boolean any = false;
            List<Object> answers = new ArrayList<>();
            for (String name : services) {
                // systemctl answers "inactive" for a unit it does not know.
                Map<String, Object> s = byName.get(name);
                String active = s == null ? "inactive" : str(s, "activeState");
                any |= matches(active);
                Map<String, Object> answer = new LinkedHashMap<>();
                answer.put("name", name);
                answer.put("activeState", active);
                answer.put("state", s == null ? null : s.get("state"));
                answer.put("known", s != null);
                answers.add(answer);
                if (!quiet && !c.json) c.out().println(active);
            }
            if (!quiet && c.json) c.out().println(Json.write(answers));
            return any ? 0 : no();
        }
    }

    @Command(name = "is-active", description = {"Print each service's active state (active, reloading, activating, deactivating, "
        + "inactive, failed).", "Exit 0 when one is active or reloading, else 3."})
    static final class IsActiveCommand extends IsCommand {
        boolean matches(String activeState) {
            return active(activeState);
        }

        /** Up, as systemctl's is-active and status count it. */
        static boolean active(String activeState) {
            return activeState.equals("active") || activeState.equals("reloading");
        }

        int no() {
            return EXIT_NOT_RUNNING;
        }
    }

    @Command(name = "is-failed", description = {"Print each service's active state.", "Exit 0 when one has failed, else 1."})
    static final class IsFailedCommand extends IsCommand {
        boolean matches(String activeState) {
            return activeState.equals("failed");
        }

        int no() {
            return EXIT_FAILED;
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
            c.out().print(printer(c).tree(root));
            return 0;
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
