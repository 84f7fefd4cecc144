package dynamod.init.pid1;

import dynamod.linux.Signals;

/** What a signal to PID 1 asks for. The same table is in docs/pid1.md. */
public sealed interface SignalMeaning {

    /** The ordered stop of every service, then poweroff, reboot, halt (or, in host mode, exit). */
    record Shutdown(String kind) implements SignalMeaning {}

    /** Kill svmgr and start a new one at once (it recovers the running services): after an upgrade of svmgr. */
    record RestartManager() implements SignalMeaning {}

    /** A shell on the console, next to the running services. */
    record EmergencyShell() implements SignalMeaning {}

    record Ignore() implements SignalMeaning {}

    /** The signals PID 1 listens to. */
    int[] HANDLED = {Signals.SIGTERM, Signals.SIGINT, Signals.SIGHUP, Signals.SIGUSR1, Signals.SIGUSR2, Signals.SIGPWR,
        Signals.SIGRTMIN + 3, Signals.SIGRTMIN + 4, Signals.SIGRTMIN + 5};

    /** The real-time ones: the JVM cannot name them, so they come through a signalfd (see Pid1). */
    int[] REAL_TIME = {Signals.SIGRTMIN + 3, Signals.SIGRTMIN + 4, Signals.SIGRTMIN + 5};

    /**
     * As systemd: SIGRTMIN+3 halt, +4 poweroff, +5 reboot; SIGINT is ctrl-alt-del (reboot; in a container, ctrl-c
     * at {@code docker run -it}: poweroff); SIGTERM poweroff (what {@code docker stop} sends); SIGPWR poweroff (a
     * UPS's power failure; LXC's stop signal).
     */
    static SignalMeaning of(int signal, Mode mode) {
        if (signal == Signals.SIGRTMIN + 3) return new Shutdown("halt");
        if (signal == Signals.SIGRTMIN + 4) return new Shutdown("poweroff");
        if (signal == Signals.SIGRTMIN + 5) return new Shutdown("reboot");
        return switch (signal) {
            case Signals.SIGTERM, Signals.SIGPWR -> new Shutdown("poweroff");
            case Signals.SIGINT -> new Shutdown(mode == Mode.BOOT ? "reboot" : "poweroff");
            case Signals.SIGUSR1 -> new RestartManager();
            case Signals.SIGUSR2 -> new EmergencyShell();
            default -> new Ignore();
        };
    }
}
