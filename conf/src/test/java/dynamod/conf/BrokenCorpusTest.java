package dynamod.conf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Each directory under {@code src/test/resources/broken/} is a configuration with mistakes, and its
 * {@code expected.txt} lists every diagnostic (headline and notes, paths relative to that directory) that
 * loading it must produce, in order. Run with {@code -Ddynamod.corpus.write=true} to rewrite the files after a
 * deliberate change of wording, then read the diff.
 */
class BrokenCorpusTest {

    @TestFactory
    Stream<DynamicTest> everyBrokenConfigurationGetsExactlyItsDiagnostics() throws IOException {
        List<Path> cases;
        try (Stream<Path> dirs = Files.list(Examples.brokenCorpus())) {
            cases = dirs.filter(Files::isDirectory).sorted().toList();
        }
        assertTrue(cases.size() >= 15, "the corpus has " + cases.size() + " cases");
        return cases.stream().map(dir -> DynamicTest.dynamicTest(dir.getFileName().toString(), () -> check(dir)));
    }

    private static void check(Path dir) throws IOException {
        LoadResult result = ConfigLoader.load(dir);
        String prefix = dir + "/";
        String actual = String.join("\n", result.diagnostics().stream()
                .map(d -> d.toString().replace(prefix, "").replace(dir.toString(), ".")).toList()) + "\n";
        Path expected = dir.resolve("expected.txt");
        if (Boolean.getBoolean("dynamod.corpus.write")) Files.writeString(expected, actual);
        assertEquals(Files.readString(expected), actual);
        assertTrue(result.hasErrors(), "a broken configuration must have at least one error");
    }
}
