package dynamod.linux;

/** Linux signal numbers (x86_64 and the generic table); real-time signals from glibc's SIGRTMIN, 34, to 64. */
public final class Signals {

    public static final int SIGHUP = 1;
    public static final int SIGINT = 2;
    public static final int SIGQUIT = 3;
    public static final int SIGABRT = 6;
    public static final int SIGKILL = 9;
    public static final int SIGUSR1 = 10;
    public static final int SIGSEGV = 11;
    public static final int SIGUSR2 = 12;
    public static final int SIGPIPE = 13;
    public static final int SIGALRM = 14;
    public static final int SIGTERM = 15;
    public static final int SIGCHLD = 17;
    public static final int SIGCONT = 18;
    public static final int SIGSTOP = 19;
    public static final int SIGTSTP = 20;
    public static final int SIGWINCH = 28;
    public static final int SIGPWR = 30;
    /** glibc reserves 32 and 33 for itself. */
    public static final int SIGRTMIN = 34;
    public static final int SIGRTMAX = 64;

    private static final String[] NAMES = {
        null, "HUP", "INT", "QUIT", "ILL", "TRAP", "ABRT", "BUS", "FPE", "KILL", "USR1", "SEGV", "USR2", "PIPE",
        "ALRM", "TERM", "STKFLT", "CHLD", "CONT", "STOP", "TSTP", "TTIN", "TTOU", "URG", "XCPU", "XFSZ",
        "VTALRM", "PROF", "WINCH", "IO", "PWR", "SYS"
    };

    private Signals() {}

    /** {@code "SIGTERM"}, {@code "SIGRTMIN+3"} for 37, {@code "SIGRTMAX"}; {@code "SIG<n>"} otherwise. */
    public static String name(int signal) {
        if (signal > 0 && signal < NAMES.length) return "SIG" + NAMES[signal];
        if (signal == SIGRTMIN) return "SIGRTMIN";
        if (signal == SIGRTMAX) return "SIGRTMAX";
        if (signal > SIGRTMIN && signal < SIGRTMAX) return "SIGRTMIN+" + (signal - SIGRTMIN);
        return "SIG" + signal;
    }
}
