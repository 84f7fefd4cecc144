package dynamod.svmgr;

import dynamod.svmgr.core.Options;
import dynamod.svmgr.runtime.Manager;
import dynamod.svmgr.runtime.ManagerSettings;
import java.nio.file.Path;
import java.util.UUID;

/**
 * {@code dynamod-svmgr --config DIR --state DIR [--init-fd N --generation N --boot-id UUID] [--max-parallel-starts N]
 * [--shutdown-timeout SECONDS] [--control-group GROUP] [--logd-argv FILE [--logd-kmsg PATH]]}:
 * the service manager. init starts it with the last three; run alone (tests, embedding) it has no init and makes up
 * its own boot id. {@code --logd-kmsg PATH} has the built-in logd read the kernel's log there (PID-1 images: /dev/kmsg).
 */
public final class Main {

    private Main() {}

    public static void main(String[] args) {
        ManagerSettings settings;
        try {
            settings = parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("dynamod-svmgr: " + e.getMessage());
            System.err.println("usage: dynamod-svmgr --config DIR --state DIR [--init-fd N] [--generation N] [--boot-id UUID]"
                    + " [--max-parallel-starts N] [--shutdown-timeout SECONDS] [--control-group GROUP] [--logd-argv FILE] [--logd-kmsg PATH]");
            System.exit(2);
            return;
        }
        int code;
        try {
            code = new Manager(settings).run();
        } catch (Throwable t) {
            System.err.println("dynamod-svmgr: cannot run: " + t);
            t.printStackTrace();
            code = 1;
        }
        System.exit(code);
    }

    static ManagerSettings parse(String[] args) {
        Path config = null, state = null;
        int initFd = -1, generation = 1;
        UUID boot = null;
        Options options = Options.DEFAULT;
        java.util.Optional<String> controlGroup = java.util.Optional.empty();
        java.util.Optional<Path> logdArgv = java.util.Optional.empty(), logdKmsg = java.util.Optional.empty();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (i + 1 >= args.length) throw new IllegalArgumentException(a + " needs a value");
            String v = args[++i];
            try {
                switch (a) {
                    case "--config" -> config = Path.of(v).toAbsolutePath();
                    case "--state" -> state = Path.of(v).toAbsolutePath();
                    case "--init-fd" -> initFd = Integer.parseInt(v);
                    case "--generation" -> generation = Integer.parseInt(v);
                    case "--boot-id" -> boot = UUID.fromString(v);
                    case "--control-group" -> controlGroup = java.util.Optional.of(v);
                    case "--logd-argv" -> logdArgv = java.util.Optional.of(Path.of(v).toAbsolutePath());
                    case "--logd-kmsg" -> logdKmsg = java.util.Optional.of(Path.of(v).toAbsolutePath());
                    case "--max-parallel-starts" -> options = options.withMaxParallelStarts(Integer.parseInt(v));
                    case "--shutdown-timeout" -> options = new Options(java.time.Duration.ofSeconds(Long.parseLong(v)),
                            options.maxParallelStarts(), options.shutdownProgressInterval());
                    default -> throw new IllegalArgumentException("unknown option " + a);
                }
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(a + ": not a number: " + v);
            }
        }
        if (config == null || state == null) throw new IllegalArgumentException("--config and --state are required");
        return new ManagerSettings(config, state, initFd, generation, boot != null ? boot : UUID.randomUUID(), options, controlGroup, logdArgv, logdKmsg);
    }
}
