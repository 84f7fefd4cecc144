package dynamod.ctl;

import dynamod.ctl.out.Style;
import java.util.Arrays;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/**
 * {@code dynamodctl}: the command-line interface to dynamod. Exit codes follow systemctl where it has one;
 * 2 is a usage error; 70 an internal error (a bug: please report it).
 */
@Command(
        name = "dynamodctl",
        mixinStandardHelpOptions = true,
        scope = ScopeType.INHERIT, // every subcommand has --help (and --version)
        versionProvider = Dynamodctl.Version.class,
        description = "Control and inspect dynamod, the event-sourced init system and service manager.",
        exitCodeListHeading = "%nExit status (as systemctl's, where it has one):%n",
        exitCodeList = {
            "0:success; status: all active; is-active: one is active; is-failed: one has failed",
            "1:failure (the manager cannot be reached, a command failed); is-failed: none has failed",
            "2:usage error",
            "3:status, is-active: not running",
            "4:status: no such service; permission denied",
            "5:start, stop, restart, reload: no such service",
            "70:internal error (a bug: please report it)"})
public final class Dynamodctl {

    public static final int EXIT_INTERNAL_ERROR = 70;

    /** Every command, in the order help lists them. */
    static final List<Class<?>> COMMANDS = List.of(
            ManagerCommands.ListCommand.class, ManagerCommands.StatusCommand.class, ManagerCommands.IsActiveCommand.class,
            ManagerCommands.IsFailedCommand.class, ManagerCommands.StartCommand.class,
            ManagerCommands.StopCommand.class, ManagerCommands.RestartCommand.class, ManagerCommands.ReloadCommand.class,
            ManagerCommands.TreeCommand.class, ManagerCommands.ShutdownCommand.class,
            CheckCommand.class, JournalCommand.class, LogsCommand.class,
            HistoryCommand.class, StateCommand.class, WhyCommand.class,
            BootCommands.Blame.class, BootCommands.CriticalChain.class, BootCommands.Plot.class, CommandLine.HelpCommand.class);

    @Option(names = "--no-color", scope = ScopeType.INHERIT,
            description = "No colours, even on a terminal (colours are off anyway when stdout is not one, or NO_COLOR is set).")
    boolean noColor;

    /** How a command's output looks: colours on a terminal unless --no-color or NO_COLOR says otherwise. */
    static Style style(CommandSpec spec) {
        return Style.forStdout(spec.root().userObject() instanceof Dynamodctl root && root.noColor);
    }

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs one command line and returns its exit code, so tests can run the CLI in-process. */
    public static int run(String... args) {
        CommandLine cli = commandLineFor(args);
        int exit = cli.execute(args);
        cli.getOut().flush(); // picocli's writer flushes only on println
        return exit;
    }

    /** dynamodctl with every command: what help, completion and the man pages show. */
    static CommandLine commandLine() {
        return commandLine(COMMANDS);
    }

    /**
     * dynamodctl with only the command that {@code args} name, or with every one when they name none (or help).
     * picocli builds the whole model of each command it is given, by reflection, before it parses anything: that
     * was most of the start-up of a one-request command, and only one command is ever run.
     */
    static CommandLine commandLineFor(String... args) {
        // The options of dynamodctl itself take no value: the first word that is not an option names the command.
        String name = Arrays.stream(args).filter(a -> !a.startsWith("-")).findFirst().orElse("help");
        if (!name.equals("help")) {
            for (Class<?> command : COMMANDS) {
                if (name.equals(command.getAnnotation(Command.class).name())) return commandLine(List.of(command));
            }
        }
        return commandLine();
    }

    private static CommandLine commandLine(List<Class<?>> commands) {
        CommandLine cli = new CommandLine(new Dynamodctl());
        for (Class<?> command : commands) cli.addSubcommand(command);
        cli.setExecutionExceptionHandler((e, line, parsed) -> {
            line.getErr().println("dynamodctl: internal error: " + e);
            e.printStackTrace(line.getErr());
            return EXIT_INTERNAL_ERROR;
        });
        return cli;
    }

    /** The version from the jar manifest, or "development" when run from classes. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String version = Dynamodctl.class.getPackage().getImplementationVersion();
            return new String[] {"dynamodctl " + (version == null ? "development" : version)};
        }
    }
}
