package dynamod.conf.schema;

import dynamod.conf.SourcePosition;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import org.tomlj.TomlTable;

/**
 * Reads the keys of one TOML table against its {@link Section}: typed values with defaults, required keys,
 * and unknown keys with a "did you mean". Problems go to the file's context; {@link #failed()} tells whether
 * any value of this table was unusable.
 */
public final class TableReader {

    private final FileContext ctx;
    private final Section section;
    private final TomlTable table;
    private final SourcePosition header;
    private final String name;
    private boolean failed;
    private boolean absenceReported;

    /** {@code table} is null when the file has no such table; then every key is absent. */
    public TableReader(FileContext ctx, Section section, TomlTable table, SourcePosition header) {
        this(ctx, section, table, header, section.header());
    }

    /** {@code name} is how messages call this table, e.g. {@code [namespace] bind-mounts[1]} for an array item. */
    public TableReader(FileContext ctx, Section section, TomlTable table, SourcePosition header, String name) {
        this.ctx = ctx;
        this.section = section;
        this.table = table;
        this.header = header;
        this.name = name;
    }

    public boolean present() {
        return table != null;
    }

    public FileContext context() {
        return ctx;
    }

    /** Where the table starts: its header, or where it would be needed. */
    public SourcePosition header() {
        return header;
    }

    public boolean failed() {
        return failed;
    }

    /** The whole table is missing and that has been reported: its required keys are not reported one by one. */
    public void absenceReported() {
        absenceReported = true;
        failed = true;
    }

    /** Marks the table unusable for a problem found outside the value types (a cross-key check). */
    public void fail() {
        failed = true;
    }

    public boolean has(Field<?> field) {
        return table != null && table.contains(List.of(field.key()));
    }

    public String label(Field<?> field) {
        return section.arrayItem() ? name + "." + field.key() : name + " " + field.key();
    }

    /** Where the value of the field is written, or the table header when it is absent. */
    public SourcePosition position(Field<?> field) {
        return has(field) ? ctx.valueOf(table, field.key()) : header;
    }

    public SourcePosition keyPosition(Field<?> field) {
        return has(field) ? ctx.keyOf(table, field.key()) : header;
    }

    /**
     * The value, or the field's default when absent. Null when absent without a default, or when the value is
     * unusable (reported). A missing required key is reported here.
     */
    public <T> T get(Field<T> field) {
        assert section.fields().contains(field) : field.key() + " is not in " + section.name();
        if (!has(field)) {
            if (field.required() && !absenceReported) {
                ctx.error(header, "missing required key " + field.key() + " in " + name
                        + " (" + field.summary() + ")");
                failed = true;
            }
            return field.defaultValue();
        }
        T value = field.type().read(table.get(List.of(field.key())), position(field), label(field), ctx);
        if (value == null) failed = true;
        return value;
    }

    public <T> Optional<T> optional(Field<T> field) {
        return Optional.ofNullable(get(field));
    }

    /**
     * Reports keys the section does not define. {@code subtables} are keys holding tables read by other
     * readers; {@code elsewhere} are the file's other sections, to point at a key written under the wrong table.
     */
    public void reportUnknownKeys(Collection<String> subtables, Collection<Section> elsewhere) {
        if (table == null) return;
        for (String key : table.keySet()) {
            if (section.field(key).isPresent() || subtables.contains(key)) continue;
            ctx.error(ctx.keyOf(table, key), "unknown key " + ValueTypes.quote(key) + " in " + name
                    + hint(key, table.get(List.of(key)), subtables, elsewhere));
            failed = true;
        }
    }

    private String hint(String key, Object value, Collection<String> subtables, Collection<Section> elsewhere) {
        // memory.max = "1G" is the table memory = { max = "1G" } in TOML: the key meant was memory-max.
        if (value instanceof TomlTable dotted && dotted.size() == 1) {
            String joined = key + "-" + dotted.keySet().iterator().next();
            if (section.field(joined).isPresent()) return "; did you mean " + joined + "? (a dot makes a nested table in TOML)";
        }
        Optional<String> near = Suggestions.closest(key, section.keys());
        if (near.isPresent()) return "; did you mean " + near.get() + "?";
        Optional<Section> home = elsewhere.stream().filter(s -> s.field(key).isPresent()).findFirst();
        if (home.isPresent()) return "; " + key + " belongs in " + home.get().header();
        List<String> tables = elsewhere.stream().filter(s -> !s.arrayItem()).map(Section::name).toList();
        Optional<String> table = Suggestions.closest(key, tables);
        if (table.isPresent()) return "; did you mean the table [" + table.get() + "]?";
        String keys = String.join(", ", section.keys());
        List<String> nested = subtables.stream().map(t -> "[" + section.name() + "." + t + "]").toList();
        return "; " + name + " has " + keys + (nested.isEmpty() ? "" : ", and the table " + String.join(", ", nested));
    }

    public void reportUnknownKeys(Collection<String> subtables) {
        reportUnknownKeys(subtables, List.of());
    }

    /** The reader of a table nested under this one ({@code [service.user]} under {@code [service]}). */
    public TableReader nested(Section sub) {
        String key = sub.localName();
        if (table == null || !table.contains(List.of(key))) return new TableReader(ctx, sub, null, header);
        Object value = table.get(List.of(key));
        if (value instanceof TomlTable nestedTable) return new TableReader(ctx, sub, nestedTable, ctx.keyOf(table, key));
        String example = value instanceof String s && !sub.fields().isEmpty()
                ? "; write " + sub.header() + " with " + sub.fields().getFirst().key() + " = " + ValueTypes.quote(s) : "";
        ctx.error(ctx.valueOf(table, key), section.header() + " " + key + ": expected a table " + sub.header()
                + ", found " + ValueTypes.tomlTypeOf(value) + example);
        failed = true;
        return new TableReader(ctx, sub, null, header);
    }
}
