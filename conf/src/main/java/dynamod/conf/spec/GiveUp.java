package dynamod.conf.spec;

/**
 * What the manager does when the root supervisor exceeds its restart intensity. Never "die": the manager stays
 * to be told what to do next, unless the policy is to reboot or power off.
 */
public enum GiveUp implements ConfigEnum {
    /** Stop every service and wait for an operator (the default). */
    STOP("stop"),
    /** Stop every service, wait give-up-delay, then start everything again with a fresh intensity. */
    RESTART("restart"),
    /** Reboot the machine (exit, in host mode). */
    REBOOT("reboot"),
    /** Power the machine off (exit, in host mode). */
    POWEROFF("poweroff");

    private final String tomlName;

    GiveUp(String tomlName) {
        this.tomlName = tomlName;
    }

    @Override
    public String tomlName() {
        return tomlName;
    }
}
