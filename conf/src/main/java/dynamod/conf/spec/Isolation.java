package dynamod.conf.spec;

import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The namespaces a service gets its own instance of, the file-system view inside them, and the privileges it may
 * never exceed. private-tmp, protect-system, bind-mounts and pid imply a mount namespace, hostname a uts namespace,
 * even when they are not listed.
 *
 * @param capabilities the capability bounding set; empty: left as it is
 * @param policy what happens when the manager cannot set this up
 */
public record Isolation(Set<Namespace> namespaces, List<BindMount> bindMounts, boolean privateTmp, ProtectSystem protectSystem,
        Optional<String> hostname, boolean noNewPrivileges, Optional<Set<Capability>> capabilities, IsolationPolicy policy) {

    public static final Isolation NONE = new Isolation(Set.of(), List.of(), false, ProtectSystem.NO, Optional.empty(), false,
            Optional.empty(), IsolationPolicy.REQUIRED);

    public Isolation {
        namespaces = Set.copyOf(namespaces);
        bindMounts = List.copyOf(bindMounts);
        capabilities = capabilities.map(Set::copyOf);
    }

    /** Whether the service needs a mount namespace of its own, asked for or implied. */
    public boolean needsMountNamespace() {
        return namespaces.contains(Namespace.MNT) || namespaces.contains(Namespace.PID) || privateTmp
                || protectSystem != ProtectSystem.NO || !bindMounts.isEmpty();
    }

    /** Whether setting this up needs privileges (CAP_SYS_ADMIN, CAP_SETPCAP); no-new-privileges needs none. */
    public boolean needsPrivileges() {
        return !namespaces.isEmpty() || needsMountNamespace() || hostname.isPresent() || capabilities.isPresent();
    }

    /** The same with only what an unprivileged manager can do: no-new-privileges. */
    public Isolation unprivileged() {
        return new Isolation(Set.of(), List.of(), false, ProtectSystem.NO, Optional.empty(), noNewPrivileges, Optional.empty(), policy);
    }
}
