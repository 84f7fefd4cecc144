package dynamod.ctl;

import dynamod.ctl.diag.JournalViews;
import dynamod.ctl.diag.PastState;
import dynamod.ctl.diag.Times;
import dynamod.logd.query.QueryException;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code dynamodctl state --at TIME [list|tree|status NAME…]}: the services as they were at a moment, rebuilt from
 * the journal and printed by the live commands themselves (their control responses computed from the rebuilt
 * state by the same views), so the output is what {@code list} or {@code tree} printed then; "since" is as of TIME.
 */
@Command(name = "state", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Show list, tree or status as they were at a past moment, from the journal.",
            "The boot is the one TIME falls in, unless -b names one."})
final class StateCommand implements Callable<Integer> {

    @Mixin JournalLocation where;

    @Option(names = "--at", required = true, paramLabel = "TIME", description = "The moment (2026-12-01 10:00:00, -10min, @1764583200.5, …).")
    String at;

    @Option(names = "--json", description = "Print JSON, as list/tree/status --json do.")
    boolean json;

    @Parameters(index = "0", arity = "0..1", paramLabel = "VIEW", defaultValue = "list", description = "list (default), tree or status.")
    String view;

    @Parameters(index = "1..*", arity = "0..*", paramLabel = "SERVICE", description = "The services for status.")
    List<String> services = new ArrayList<>();

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        CommandLine self = spec.commandLine();
        ManagerCommands.Connection connection;
        CommandLine live;
        switch (view) {
            case "list" -> {
                var c = new ManagerCommands.ListCommand();
                live = new CommandLine(c);
                connection = c.c;
            }
            case "tree" -> {
                var c = new ManagerCommands.TreeCommand();
                live = new CommandLine(c);
                connection = c.c;
            }
            case "status" -> {
                var c = new ManagerCommands.StatusCommand();
                live = new CommandLine(c);
                connection = c.c;
            }
            default -> {
                self.getErr().println("dynamodctl: state shows list, tree or status, not " + view);
                return 2;
            }
        }
        if (!view.equals("status") && !services.isEmpty()) {
            self.getErr().println("dynamodctl: state " + view + " takes no services (status does)");
            return 2;
        }
        PastState past;
        try {
            Instant moment = where.time(at);
            past = PastState.of(where.events(Optional.of(moment)), Optional.of(moment));
        } catch (QueryException | IOException | java.io.UncheckedIOException e) {
            return where.failed(self.getErr(), e);
        }
        if (!json) {
            self.getOut().println("-- state at " + Times.full(past.moment(), where.zone())
                    + past.lastEvent().map(e -> " (last event before it: " + Times.full(e.realtime(), where.zone()) + ")").orElse(" (no event before it)")
                    + " --");
        }
        connection.answerer = request -> JournalViews.answer(past, request);
        live.setOut(self.getOut());
        live.setErr(self.getErr());
        List<String> args = new ArrayList<>();
        if (json) args.add("--json");
        args.addAll(services);
        return live.execute(args.toArray(String[]::new));
    }
}
