package dynamod.conf.load;

import dynamod.conf.schema.FileContext;
import dynamod.conf.schema.Schema;
import dynamod.conf.schema.Schema.FileKind;
import dynamod.conf.schema.Section;
import dynamod.conf.schema.Suggestions;
import dynamod.conf.schema.TableReader;
import dynamod.conf.schema.ValueTypes;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.tomlj.TomlTable;

/** The top level of one parsed file: a reader per table of its kind, and errors for anything else. */
final class Document {

    private final Map<String, TableReader> tables = new LinkedHashMap<>();

    Document(FileContext ctx, TomlTable root, FileKind kind) {
        List<String> names = kind.topLevelTables();
        for (Section section : kind.sections()) {
            if (!names.contains(section.name())) continue;
            Object value = root.get(List.of(section.name()));
            TomlTable table = null;
            if (value instanceof TomlTable t) table = t;
            else if (value != null) {
                ctx.error(ctx.valueOf(root, section.name()), section.name() + ": expected a table " + section.header()
                        + ", found " + ValueTypes.tomlTypeOf(value));
            }
            var header = table != null ? ctx.keyOf(root, section.name()) : ctx.start();
            tables.put(section.name(), new TableReader(ctx, section, table, header));
        }
        boolean mainMissing = !(root.get(List.of(kind.main().name())) instanceof TomlTable);
        for (String key : root.keySet()) {
            if (names.contains(key)) continue;
            // A file of the other kind: its reader already says so, once.
            if (mainMissing && Schema.FILE_KINDS.stream().anyMatch(k -> k.main().name().equals(key))) continue;
            ctx.error(ctx.keyOf(root, key), unknownTopLevel(key, root.get(List.of(key)) instanceof TomlTable, kind));
        }
    }

    private static String unknownTopLevel(String key, boolean isTable, FileKind kind) {
        List<String> names = kind.topLevelTables();
        if (isTable) {
            Optional<Section> nested = kind.sections().stream()
                    .filter(s -> s.name().contains(".") && s.localName().equals(key)).findFirst();
            Optional<Section> owner = kind.sections().stream().filter(s -> s.field(key).isPresent()).findFirst();
            String hint = nested.map(s -> "did you mean " + s.header() + "?")
                    .or(() -> owner.map(s -> key + " is a key of " + s.header() + ", not a table: write it under "
                            + s.header() + " as " + key + " = { ... }"))
                    .or(() -> Suggestions.closest(key, names).map(n -> "did you mean [" + n + "]?"))
                    .orElse("a " + kind.main().name() + " file has "
                            + String.join(", ", kind.sections().stream().map(Section::header).toList()));
            return "unknown table [" + key + "]; " + hint;
        }
        Optional<Section> home = kind.sections().stream().filter(s -> s.field(key).isPresent()).findFirst();
        if (home.isPresent()) {
            return "key " + ValueTypes.quote(key) + " is outside any table; it belongs in " + home.get().header();
        }
        List<String> allKeys = kind.sections().stream().flatMap(s -> s.keys().stream()).distinct().toList();
        return "unknown key " + ValueTypes.quote(key) + " outside any table" + Suggestions.closest(key, allKeys)
                .map(k -> "; did you mean " + k + ", in " + kind.sections().stream().filter(s -> s.field(k).isPresent())
                        .findFirst().orElseThrow().header() + "?")
                .orElse("");
    }

    TableReader table(Section section) {
        return tables.get(section.name());
    }
}
