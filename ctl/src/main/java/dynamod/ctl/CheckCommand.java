package dynamod.ctl;

import dynamod.conf.ConfigLoader;
import dynamod.conf.LoadResult;
import dynamod.ctl.out.ConfigurationPrinter;
import dynamod.ctl.out.DiagnosticPrinter;
import dynamod.journal.text.Json;
import dynamod.ctl.out.Style;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code dynamodctl check [DIR|FILE]}: validates a configuration and prints every problem with its position. */
@Command(
        name = "check",
        description = {
            "Validate a configuration directory (services/*.toml, supervisors/*.toml) or a single file.",
            "Prints each problem as FILE:LINE:COL: error|warning: message, then a summary.",
            "Exit status: 0 when there are no errors (warnings allowed), 1 otherwise."
        })
final class CheckCommand implements Callable<Integer> {

    @Parameters(arity = "0..1", paramLabel = "DIR|FILE", description = "What to check (default: ${DEFAULT-VALUE}).",
            defaultValue = ConfigLoader.DEFAULT_DIRECTORY)
    Path path;

    @Option(names = "--json", description = "Print the result as one JSON object.")
    boolean json;

    @Option(names = "--show", description = "Also show the loaded supervision tree and start order.")
    boolean show;

    @Option(names = {"-q", "--quiet"}, description = "Print only the summary line.")
    boolean quiet;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        LoadResult result = ConfigLoader.load(path);
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            out.println(Json.write(toJson(result)));
        } else {
            Style style = Dynamodctl.style(spec);
            if (!quiet) new DiagnosticPrinter(out, style).print(result);
            out.println(style.text(summary(result, style)));
            if (show && !quiet) {
                out.println();
                new ConfigurationPrinter(out, style).print(result.configuration());
            }
        }
        out.flush();
        return result.hasErrors() ? 1 : 0;
    }

    /** {@code conf/examples: 8 services and 3 supervisors loaded from 11 files; no problems}. */
    private String summary(LoadResult result, Style style) {
        int services = result.configuration().services().size();
        long supervisors = result.configuredSupervisors();
        String loaded = loaded(services, result.serviceFiles(), "service") + " and "
                + loaded(supervisors, result.supervisorFiles(), "supervisor")
                + " loaded from " + result.filesRead() + count(result.filesRead(), " file");
        long errors = result.errorCount();
        long warnings = result.warningCount();
        String problems = errors == 0 && warnings == 0 ? style.green("no problems")
                : (errors > 0 ? style.red(errors + count(errors, " error")) : "0 errors")
                        + ", " + (warnings > 0 ? style.yellow(warnings + count(warnings, " warning")) : "0 warnings");
        String partial = result.partial() ? " (a single file: references to other files were not checked)" : "";
        return style.bold(path.toString()) + ": " + loaded + "; " + problems + partial;
    }

    /** {@code 8 services}, or {@code 2 of 6 services} when some of the files did not load. */
    private static String loaded(long loaded, long files, String noun) {
        return loaded >= files ? loaded + count(loaded, " " + noun) : loaded + " of " + files + " " + noun + "s";
    }

    private static String count(long n, String noun) {
        return n == 1 ? noun : noun + "s";
    }

    private Map<String, Object> toJson(LoadResult result) {
        Map<String, Object> json = Json.object();
        json.put("path", path.toString());
        json.put("ok", !result.hasErrors());
        json.put("errors", result.errorCount());
        json.put("warnings", result.warningCount());
        json.put("files", result.filesRead());
        json.put("contentHash", result.contentHash());
        json.put("partial", result.partial());
        json.put("services", result.configuration().services().keySet());
        json.put("supervisors", result.configuration().supervisors().keySet());
        json.put("rejectedServices", result.rejectedServices().stream().sorted().toList());
        json.put("rejectedSupervisors", result.rejectedSupervisors().stream().sorted().toList());
        json.put("startOrder", result.configuration().startOrder().waves());
        json.put("diagnostics", DiagnosticPrinter.toJson(result.diagnostics()));
        return json;
    }
}
