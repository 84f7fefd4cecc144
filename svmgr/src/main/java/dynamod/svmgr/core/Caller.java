package dynamod.svmgr.core;

/** Who sent a command: its uid and pid (from SO_PEERCRED), and how it calls itself (dynamodctl, systemctl, …). */
public record Caller(int uid, int pid, String name) {

    /** The manager itself: a configuration load at start, the give-up policy. */
    public static final Caller MANAGER = new Caller(0, 0, "dynamod");
}
