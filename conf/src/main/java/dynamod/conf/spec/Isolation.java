package dynamod.conf.spec;

import java.util.List;
import java.util.Set;

/**
 * The namespaces a service gets its own instance of and the file-system view inside them. private-tmp,
 * protect-system and bind-mounts imply a mount namespace even when {@code mnt} is not listed.
 */
public record Isolation(Set<Namespace> namespaces, List<BindMount> bindMounts, boolean privateTmp, ProtectSystem protectSystem) {

    public static final Isolation NONE = new Isolation(Set.of(), List.of(), false, ProtectSystem.NO);

    public Isolation {
        namespaces = Set.copyOf(namespaces);
        bindMounts = List.copyOf(bindMounts);
    }

    /** Whether the service needs a mount namespace of its own, asked for or implied. */
    public boolean needsMountNamespace() {
        return namespaces.contains(Namespace.MNT) || privateTmp || protectSystem != ProtectSystem.NO || !bindMounts.isEmpty();
    }
}
