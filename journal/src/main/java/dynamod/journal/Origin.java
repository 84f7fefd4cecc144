package dynamod.journal;

/** Which dynamod component recorded an event. The codes are the wire format: never renumber. */
public enum Origin {
    INIT(1), SVMGR(2), LOGD(3), COMPAT(4), CTL(5), TOOL(6);

    private final int code;

    Origin(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }

    /** The origin written as {@code code}, or null for a code this reader does not know. */
    public static Origin ofCode(int code) {
        for (Origin origin : values()) if (origin.code == code) return origin;
        return null;
    }

    public String displayName() {
        return "dynamod-" + name().toLowerCase(java.util.Locale.ROOT);
    }
}
