package dynamod.journal.event;

/** How a process ended: its exit code, or the signal that killed it. */
public record ExitStatus(int code, int signal, boolean coreDumped) {

    public static ExitStatus exited(int code) {
        return new ExitStatus(code, 0, false);
    }

    public static ExitStatus killed(int signal, boolean coreDumped) {
        return new ExitStatus(0, signal, coreDumped);
    }

    public boolean bySignal() {
        return signal != 0;
    }

    /** Exit code 0: the only clean end. */
    public boolean success() {
        return signal == 0 && code == 0;
    }

    @Override
    public String toString() {
        return bySignal() ? "killed by signal " + signal + (coreDumped ? " (core dumped)" : "") : "exited " + code;
    }
}
