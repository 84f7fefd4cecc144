package dynamod.conf.schema;

import java.util.List;
import java.util.Optional;

/**
 * A TOML table of the schema, e.g. {@code [restart]} or {@code [service.user]}: its dotted name, what it is
 * for, and its keys. {@code arrayItem} marks the tables of an array of tables such as a bind mount.
 */
public record Section(String name, String summary, List<Field<?>> fields, boolean arrayItem) {

    public Section {
        fields = List.copyOf(fields);
    }

    public static Section table(String name, String summary, Field<?>... fields) {
        return new Section(name, summary, List.of(fields), false);
    }

    public static Section arrayItem(String name, String summary, Field<?>... fields) {
        return new Section(name, summary, List.of(fields), true);
    }

    public Optional<Field<?>> field(String key) {
        return fields.stream().filter(f -> f.key().equals(key)).findFirst();
    }

    public List<String> keys() {
        return fields.stream().map(Field::key).toList();
    }

    /** {@code [restart]}, or {@code [[namespace.bind-mounts]]} for an array item. */
    public String header() {
        return arrayItem ? "[[" + name + "]]" : "[" + name + "]";
    }

    /** The last part of the name: the key under which the parent table holds this one. */
    public String localName() {
        int dot = name.lastIndexOf('.');
        return dot < 0 ? name : name.substring(dot + 1);
    }
}
