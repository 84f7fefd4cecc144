package dynamod.ctl;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code dynamodctl}: the command-line interface to dynamod. Exit codes follow systemctl where it has one;
 * 2 is a usage error; 70 an internal error (a bug: please report it).
 */
@Command(
        name = "dynamodctl",
        mixinStandardHelpOptions = true,
        versionProvider = Dynamodctl.Version.class,
        description = "Control and inspect dynamod, the event-sourced init system and service manager.",
        subcommands = {
            ManagerCommands.ListCommand.class, ManagerCommands.StatusCommand.class, ManagerCommands.StartCommand.class,
            ManagerCommands.StopCommand.class, ManagerCommands.RestartCommand.class, ManagerCommands.ReloadCommand.class,
            ManagerCommands.TreeCommand.class, ManagerCommands.ShutdownCommand.class,
            CheckCommand.class, JournalCommand.class, LogsCommand.class,
            HistoryCommand.class, StateCommand.class, WhyCommand.class,
            BootCommands.Blame.class, BootCommands.CriticalChain.class, BootCommands.Plot.class, CommandLine.HelpCommand.class})
public final class Dynamodctl {

    public static final int EXIT_INTERNAL_ERROR = 70;

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs one command line and returns its exit code, so tests can run the CLI in-process. */
    public static int run(String... args) {
        return commandLine().execute(args);
    }

    static CommandLine commandLine() {
        CommandLine cli = new CommandLine(new Dynamodctl());
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
