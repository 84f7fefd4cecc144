package dynamod.conf.spec;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * A validated supervisor: a node of the supervision tree. Only {@code root} has no parent, and only root's
 * {@code giveUp} policy is used. {@code origin} is the file it was loaded from, empty for a root supervisor that
 * no file configures.
 */
public record SupervisorSpec(
        String name,
        Optional<String> description,
        Optional<String> parent,
        Strategy strategy,
        Intensity intensity,
        GiveUp giveUp,
        Duration giveUpDelay,
        Optional<Path> origin) {

    public static final String ROOT = "root";
}
