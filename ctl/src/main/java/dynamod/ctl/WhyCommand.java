package dynamod.ctl;

import dynamod.ctl.diag.PastState;
import dynamod.ctl.diag.Times;
import dynamod.ctl.diag.Why;
import dynamod.journal.Recorded;
import dynamod.journal.text.Json;
import dynamod.logd.query.QueryException;
import java.io.IOException;
import java.io.PrintWriter;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code dynamodctl why NAME}: the chain of causes behind a service's state, each step citing its event. */
@Command(name = "why", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Explain why a service is in its state (now, or --at TIME): what blocks it, why it failed, who stopped it,",
            "down to the first cause; each step cites its event (#seq and time; see history)."})
final class WhyCommand implements Callable<Integer> {

    @Mixin JournalLocation where;

    @Option(names = "--at", paramLabel = "TIME", description = "Explain the state at TIME instead of the latest.")
    String at;

    @Option(names = "--json", description = "Print JSON: the steps with their events, and the root cause.")
    boolean json;

    @Parameters(index = "0", paramLabel = "NAME", description = "A service (or supervisor).")
    String name;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PastState past;
        try {
            Optional<Instant> moment = Optional.ofNullable(at).map(where::time);
            past = PastState.of(where.events(moment), moment);
        } catch (QueryException | IOException | java.io.UncheckedIOException e) {
            return where.failed(spec.commandLine().getErr(), e);
        }
        String service = name.endsWith(".service") ? name.substring(0, name.length() - ".service".length()) : name;
        Why.Explanation why = Why.explain(past, service, where.zone());
        if (json) {
            out.println(Json.write(json(why, past)));
        } else {
            for (Why.Step step : why.steps()) out.println(line(step, where.zone()));
            why.rootCause().ifPresent(root -> out.println("root cause: " + root.text() + cite(root, where.zone())));
        }
        return why.state().isPresent() || past.state().loaded().map(l -> l.topology().hasSupervisor(service)).orElse(false) ? 0 : 4;
    }

    static String line(Why.Step step, ZoneId zone) {
        return "  ".repeat(step.depth()) + (step.depth() > 0 ? "<- " : "") + step.text() + cite(step, zone);
    }

    private static String cite(Why.Step step, ZoneId zone) {
        return step.event().map(e -> "  [#" + Long.toHexString(e.seq()) + " " + Times.clock(e.realtime(), zone) + "]").orElse("");
    }

    static Map<String, Object> json(Why.Explanation why, PastState past) {
        Map<String, Object> o = Json.object();
        o.put("name", why.name());
        o.put("state", why.state().orElse(null));
        o.put("asOf", past.moment().toString());
        List<Object> steps = new ArrayList<>();
        for (Why.Step s : why.steps()) steps.add(step(s));
        o.put("steps", steps);
        o.put("rootCause", why.rootCause().map(WhyCommand::step).orElse(null));
        return o;
    }

    private static Map<String, Object> step(Why.Step s) {
        Map<String, Object> m = Json.object();
        m.put("depth", s.depth());
        m.put("text", s.text());
        m.put("origin", s.origin());
        s.event().ifPresent(e -> m.put("event", event(e)));
        return m;
    }

    private static Map<String, Object> event(Recorded e) {
        Map<String, Object> m = Json.object();
        m.put("seq", e.seq());
        m.put("realtime", e.realtime().toString());
        m.put("type", e.event().getClass().getSimpleName());
        return m;
    }
}
