package dynamod.conf.spec;

import java.util.List;
import java.util.Optional;

/**
 * The identity a service runs as: user and group by name or number, plus supplementary groups. Names are
 * resolved when the service is spawned (on the machine that runs it), never at load.
 */
public record Credentials(Optional<String> user, Optional<String> group, List<String> supplementaryGroups) {

    /** Run as the manager's own identity. */
    public static final Credentials INHERIT = new Credentials(Optional.empty(), Optional.empty(), List.of());

    public Credentials {
        supplementaryGroups = List.copyOf(supplementaryGroups);
    }
}
