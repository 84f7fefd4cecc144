package dynamod.ctl;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import picocli.AutoComplete;
import picocli.CommandLine;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;

/**
 * What the build writes from the picocli model, so that it cannot drift from the code: the bash/zsh completion script
 * (picocli's {@link AutoComplete}) and a man page for dynamodctl and for each of its commands, git-style
 * ({@code dynamodctl-status.1}). Man pages are written as troff here rather than with picocli-codegen's
 * ManPageGenerator: that one writes AsciiDoc, and turning AsciiDoc into troff needs asciidoctorj and JRuby in every
 * build. Run by the ctl build: {@code BuildDocs TARGET_DIR VERSION} writes {@code completion/} and {@code man/} below it.
 */
public final class BuildDocs {

    private BuildDocs() {}

    public static void main(String[] args) throws IOException {
        if (args.length != 2) throw new IllegalArgumentException("usage: BuildDocs TARGET_DIR VERSION");
        Path target = Path.of(args[0]);
        String version = "dynamodctl " + args[1];
        CommandLine cli = Dynamodctl.commandLine();
        Path completion = Files.createDirectories(target.resolve("completion"));
        String script = AutoComplete.bash("dynamodctl", cli);
        Files.writeString(completion.resolve("dynamodctl.bash"), script, StandardCharsets.UTF_8);
        Path man = Files.createDirectories(target.resolve("man"));
        writeManPages(cli, man, version);
    }

    private static void writeManPages(CommandLine cli, Path dir, String version) throws IOException {
        CommandSpec spec = cli.getCommandSpec();
        Files.writeString(dir.resolve(pageName(spec) + ".1"), manPage(cli, version), StandardCharsets.UTF_8);
        for (CommandLine sub : distinct(cli.getSubcommands())) writeManPages(sub, dir, version);
    }

    /** A command's subcommands once each (aliases map to the same one). */
    private static List<CommandLine> distinct(Map<String, CommandLine> subcommands) {
        List<CommandLine> list = new ArrayList<>();
        for (CommandLine c : subcommands.values()) if (!list.contains(c)) list.add(c);
        return list;
    }

    /** {@code dynamodctl}, {@code dynamodctl-status}, {@code dynamodctl-journal-dump}. */
    static String pageName(CommandSpec spec) {
        return spec.qualifiedName("-");
    }

    /** The troff (man(7)) page of one command. */
    static String manPage(CommandLine cli, String version) {
        CommandSpec spec = cli.getCommandSpec();
        String name = pageName(spec);
        String[] description = spec.usageMessage().description();
        StringBuilder b = new StringBuilder();
        b.append(".\\\" Generated from dynamodctl's picocli model by dynamod.ctl.BuildDocs; do not edit.\n");
        b.append(".TH \"").append(name.toUpperCase(java.util.Locale.ROOT)).append("\" 1 \"\" \"").append(escape(version))
                .append("\" \"dynamod manual\"\n");
        b.append(".SH NAME\n").append(escape(name)).append(" \\- ").append(escape(description.length > 0 ? description[0] : "")).append('\n');
        b.append(".SH SYNOPSIS\n.nf\n");
        String synopsis = new CommandLine.Help(spec, CommandLine.Help.defaultColorScheme(CommandLine.Help.Ansi.OFF)).synopsis(0);
        b.append(lines(synopsis.strip())).append(".fi\n");
        if (description.length > 0) {
            b.append(".SH DESCRIPTION\n");
            for (String line : description) b.append(lines(line)).append(".PP\n");
        }
        List<PositionalParamSpec> positionals = spec.positionalParameters().stream().filter(p -> !p.hidden()).toList();
        if (!positionals.isEmpty()) {
            b.append(".SH ARGUMENTS\n");
            for (PositionalParamSpec p : positionals) item(b, "\\fI" + escape(p.paramLabel()) + "\\fR", p);
        }
        List<OptionSpec> options = spec.options().stream().filter(o -> !o.hidden()).toList();
        if (!options.isEmpty()) {
            b.append(".SH OPTIONS\n");
            for (OptionSpec o : options) {
                String names = String.join(", ", java.util.Arrays.stream(o.names()).map(n -> "\\fB" + escape(n) + "\\fR").toList());
                String label = o.typeInfo().isBoolean() ? "" : "=\\fI" + escape(o.paramLabel()) + "\\fR";
                item(b, names + label, o);
            }
        }
        List<CommandLine> subcommands = distinct(cli.getSubcommands());
        if (!subcommands.isEmpty()) {
            b.append(".SH COMMANDS\n");
            for (CommandLine sub : subcommands) {
                String[] d = sub.getCommandSpec().usageMessage().description();
                b.append(".TP\n\\fB").append(escape(sub.getCommandName())).append("\\fR\n").append(escape(d.length > 0 ? d[0] : "")).append('\n');
            }
        }
        Map<String, String> exitCodes = spec.usageMessage().exitCodeList();
        if (!exitCodes.isEmpty()) {
            b.append(".SH EXIT STATUS\n");
            exitCodes.forEach((code, meaning) -> b.append(".TP\n").append(escape(code.strip())).append('\n').append(escape(meaning)).append('\n'));
        }
        b.append(".SH SEE ALSO\n");
        List<String> see = new ArrayList<>();
        if (spec.parent() != null) see.add(pageName(spec.parent()));
        for (CommandLine sub : subcommands) see.add(pageName(sub.getCommandSpec()));
        if (see.isEmpty()) see.add("dynamodctl");
        b.append(String.join(",\n", see.stream().map(s -> "\\fB" + escape(s) + "\\fR(1)").toList())).append('\n');
        return b.toString();
    }

    private static void item(StringBuilder b, String term, ArgSpec arg) {
        b.append(".TP\n").append(term).append('\n');
        for (String line : arg.description()) b.append(lines(line.replace("${DEFAULT-VALUE}", String.valueOf(arg.defaultValue()))));
    }

    /** Text lines as troff lines: escaped, none beginning with a control character. */
    private static String lines(String text) {
        StringBuilder b = new StringBuilder();
        for (String line : text.split("\n", -1)) {
            String e = escape(line);
            if (e.startsWith(".") || e.startsWith("'")) e = "\\&" + e;
            b.append(e).append('\n');
        }
        return b.toString();
    }

    /** troff's escapes: a backslash is {@code \e}, and a minus sign (in an option name) {@code \-}. */
    static String escape(String text) {
        return text.replace("\\", "\\e").replace("-", "\\-");
    }
}
