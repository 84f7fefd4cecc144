package dynamod.init.pid1;

/** The two ways dynamod-init runs as PID 1 (host mode is the third, and not PID 1). */
public enum Mode {
    /** PID 1 of a machine: it mounts, switches root, and ends with reboot(2). */
    BOOT,
    /** PID 1 of a PID namespace: the runtime made the filesystems; it ends by exiting with the result. */
    CONTAINER;

    /**
     * A container when the environment says so ({@code container=}, as systemd and every runtime set it) or when
     * reboot(2) cannot be used: in a child PID namespace LINUX_REBOOT_CMD_CAD_OFF fails with EINVAL, and without
     * CAP_SYS_BOOT with EPERM. On a machine the same call is what makes ctrl-alt-del send SIGINT to PID 1.
     *
     * @param containerVariable {@code $container}, or null
     * @param cadOffErrno the errno of reboot(CAD_OFF), 0 when it worked
     */
    public static Mode detect(String containerVariable, int cadOffErrno) {
        if (containerVariable != null && !containerVariable.isEmpty()) return CONTAINER;
        return cadOffErrno == 0 ? BOOT : CONTAINER;
    }
}
