package dynamod.conf.spec;

import java.util.Locale;
import java.util.Optional;

/**
 * A Linux capability, as capabilities(7) names it; {@link #number()} is the kernel's (the declaration order is the
 * kernel's numbering, CAP_CHOWN = 0).
 */
public enum Capability implements ConfigEnum {
    CAP_CHOWN, CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH, CAP_FOWNER, CAP_FSETID, CAP_KILL, CAP_SETGID, CAP_SETUID,
    CAP_SETPCAP, CAP_LINUX_IMMUTABLE, CAP_NET_BIND_SERVICE, CAP_NET_BROADCAST, CAP_NET_ADMIN, CAP_NET_RAW,
    CAP_IPC_LOCK, CAP_IPC_OWNER, CAP_SYS_MODULE, CAP_SYS_RAWIO, CAP_SYS_CHROOT, CAP_SYS_PTRACE, CAP_SYS_PACCT,
    CAP_SYS_ADMIN, CAP_SYS_BOOT, CAP_SYS_NICE, CAP_SYS_RESOURCE, CAP_SYS_TIME, CAP_SYS_TTY_CONFIG, CAP_MKNOD,
    CAP_LEASE, CAP_AUDIT_WRITE, CAP_AUDIT_CONTROL, CAP_SETFCAP, CAP_MAC_OVERRIDE, CAP_MAC_ADMIN, CAP_SYSLOG,
    CAP_WAKE_ALARM, CAP_BLOCK_SUSPEND, CAP_AUDIT_READ, CAP_PERFMON, CAP_BPF, CAP_CHECKPOINT_RESTORE;

    public int number() {
        return ordinal();
    }

    @Override
    public String tomlName() {
        return name();
    }

    /** {@code CAP_NET_RAW}, {@code NET_RAW}, {@code net_raw}: any case, the prefix optional. */
    public static Optional<Capability> parse(String text) {
        String upper = text.toUpperCase(Locale.ROOT);
        String name = upper.startsWith("CAP_") ? upper : "CAP_" + upper;
        for (Capability c : values()) if (c.name().equals(name)) return Optional.of(c);
        return Optional.empty();
    }
}
