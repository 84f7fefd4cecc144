package dynamod.svmgr.runtime;

import dynamod.svmgr.core.Options;
import java.nio.file.Path;
import java.util.UUID;

/**
 * How svmgr was started.
 *
 * @param config the configuration directory
 * @param state the state directory: {@code journal/} and {@code run/} (sockets) below it
 * @param initFd its end of the socketpair to init, or -1 when it runs without init
 * @param generation which svmgr of this boot it is, from 1
 * @param bootId the boot whose events it replays (in host mode: one {@code dynamod up})
 * @param controlGroup a group whose members may connect to the control socket (mode 0660), or empty (0600)
 * @param logdArgv the command line of the built-in log daemon (a file, one argument per line), or empty: no logd
 * @param logdKmsg the kernel log device the built-in logd reads ({@code --kmsg PATH} added to its command line; PID-1
 *     images pass {@code /dev/kmsg}), or empty: the kernel's log is not read (host mode's default)
 */
public record ManagerSettings(Path config, Path state, int initFd, int generation, UUID bootId, Options options,
        java.util.Optional<String> controlGroup, java.util.Optional<Path> logdArgv,
        java.util.Optional<Path> logdKmsg) {

    /** The configuration's files and the built-in services. */
    public java.util.List<dynamod.conf.ConfigSource> configurationSources() {
        return BuiltinServices.with(config, logdArgv, logdKmsg, bootId);
    }
}
