package dynamod.conf.spec;

import java.util.List;

/**
 * A service's relations to other services, by name. {@code requires}: start after, and not without, these;
 * {@code wants}: start after these if they exist, never blocked by them; {@code after}: start after these
 * (ordering only); {@code before}: these start after this one (ordering only).
 */
public record Dependencies(List<String> requires, List<String> wants, List<String> after, List<String> before) {

    public static final Dependencies NONE = new Dependencies(List.of(), List.of(), List.of(), List.of());

    public Dependencies {
        requires = List.copyOf(requires);
        wants = List.copyOf(wants);
        after = List.copyOf(after);
        before = List.copyOf(before);
    }

    public List<String> of(Relation relation) {
        return switch (relation) {
            case REQUIRES -> requires;
            case WANTS -> wants;
            case AFTER -> after;
            case BEFORE -> before;
        };
    }
}
