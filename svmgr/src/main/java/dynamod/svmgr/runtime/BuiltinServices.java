package dynamod.svmgr.runtime;

import dynamod.conf.ConfigLoader;
import dynamod.conf.ConfigSource;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * The services dynamod brings itself, as configuration files made in memory: today {@code dynamod-logd}, the log
 * daemon, when svmgr is given its command line ({@code --logd-argv FILE}, one argument per line, as init's
 * {@code svmgr.argv}). They are loaded, journaled and supervised like any service — a crashed logd is restarted by
 * the root supervisor — and a file of the same name in the configuration replaces them. svmgr's {@code --logd-kmsg PATH}
 * adds {@code --kmsg PATH} to logd's command line, and {@code --boot-id} is always added (the boot logd journals under) (PID-1 images: {@code /dev/kmsg}; host mode leaves the host's kernel
 * log alone unless asked).
 */
final class BuiltinServices {

    static final String LOGD = "dynamod-logd";

    private BuiltinServices() {}

    /** The configuration's files, plus the built-in services it does not define itself. */
    static List<ConfigSource> with(Path config, Optional<Path> logdArgv, Optional<Path> kmsg, UUID bootId) {
        List<ConfigSource> sources = new ArrayList<>(ConfigLoader.sources(config));
        if (logdArgv.isEmpty()) return sources;
        boolean overridden = sources.stream().anyMatch(s -> s.path().getFileName().toString().equals(LOGD + ".toml"));
        if (overridden) return sources;
        List<String> argv;
        try {
            argv = Files.readAllLines(logdArgv.get()).stream().filter(l -> !l.isEmpty()).toList();
        } catch (IOException e) {
            Manager.say("no " + LOGD + ": cannot read " + logdArgv.get() + ": " + e.getMessage());
            return sources;
        }
        argv = new ArrayList<>(argv);
        argv.addAll(List.of("--boot-id", bootId.toString())); // logd's own lines belong to this boot too
        if (kmsg.isPresent()) argv.addAll(List.of("--kmsg", kmsg.get().toString()));
        StringBuilder toml = new StringBuilder();
        toml.append("# Built in: dynamod's log daemon (syslog and journal sockets).\n[service]\nname = \"").append(LOGD)
                .append("\"\ndescription = \"dynamod's log daemon: the syslog and journal protocol sockets\"\nexec = [");
        for (int i = 0; i < argv.size(); i++) toml.append(i == 0 ? "" : ", ").append(quote(argv.get(i)));
        toml.append("]\n\n[restart]\npolicy = \"permanent\"\ndelay = \"200ms\"\nmax-delay = \"5s\"\n");
        sources.add(new ConfigSource(Path.of("/dynamod/builtin/services/" + LOGD + ".toml"),
                toml.toString().getBytes(StandardCharsets.UTF_8), ConfigSource.Kind.SERVICE));
        return sources;
    }

    /** A TOML basic string. */
    private static String quote(String s) {
        StringBuilder out = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c < 0x20 || c == 0x7f) out.append(String.format("\\u%04x", (int) c));
                    else out.append(c);
                }
            }
        }
        return out.append('"').toString();
    }
}
