package dynamod.conf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dynamod.conf.schema.Field;
import dynamod.conf.schema.Schema;
import dynamod.conf.schema.Section;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * docs/configuration.md and the schema must not drift apart: every table of both file kinds has a section
 * ({@code ### `[restart]` — ...}) under its file kind's heading, with one row per key, in the schema's order,
 * whose type and default columns say exactly what the schema says.
 */
class DocumentationTest {

    private static final Pattern SECTION = Pattern.compile("^### `(\\[\\[?[a-z.-]+]]?)`");
    private static final Pattern ROW = Pattern.compile("^\\| `([a-z-]+)` \\| ([^|]+) \\| ([^|]+) \\| (.+) \\|$");

    @Test
    void configurationReferenceMatchesTheSchema() throws IOException {
        Map<String, List<List<String>>> documented = parse(Files.readAllLines(docs()));
        Map<String, List<List<String>>> schema = new LinkedHashMap<>();
        for (Schema.FileKind kind : Schema.FILE_KINDS) {
            for (Section section : kind.sections()) {
                List<List<String>> rows = new ArrayList<>();
                for (Field<?> field : section.fields()) rows.add(List.of(field.key(), field.type().description(), field.defaultText()));
                schema.put(kind.directory() + " " + section.header(), rows);
            }
        }
        assertEquals(schema.keySet(), documented.keySet(), "documented tables");
        for (String table : schema.keySet()) assertEquals(schema.get(table), documented.get(table), table);
    }

    /** Table rows by "services [restart]": key, type and default, with the backticks of markdown removed. */
    private static Map<String, List<List<String>>> parse(List<String> lines) {
        Map<String, List<List<String>>> tables = new LinkedHashMap<>();
        String kind = null;
        String current = null;
        for (String line : lines) {
            if (line.startsWith("## ")) {
                kind = line.contains("Service files") ? "services" : line.contains("Supervisor files") ? "supervisors" : null;
                current = null;
                continue;
            }
            Matcher section = SECTION.matcher(line);
            if (section.find() && kind != null) {
                current = kind + " " + section.group(1);
                tables.put(current, new ArrayList<>());
                continue;
            }
            Matcher row = ROW.matcher(line);
            if (current != null && row.matches()) {
                assertFalse(row.group(4).isBlank(), "meaning of " + row.group(1));
                tables.get(current).add(List.of(row.group(1), plain(row.group(2)), plain(row.group(3))));
            }
        }
        return tables;
    }

    private static String plain(String cell) {
        return cell.strip().replace("`", "");
    }

    private static Path docs() {
        Path here = Path.of("../docs/configuration.md");
        return Files.exists(here) ? here : Path.of("docs/configuration.md");
    }
}
