package dynamod.conf;

import static dynamod.conf.Configs.assertDiagnostics;
import static dynamod.conf.Configs.serviceText;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Finding and reading the files of a configuration directory. */
class ConfigFilesTest {

    @TempDir
    Path dir;

    private Path write(String relative, String text) throws IOException {
        Path file = dir.resolve(relative);
        Files.createDirectories(file.getParent());
        Files.writeString(file, text);
        return file;
    }

    @Test
    void readsTomlFilesOfBothDirectoriesAndSkipsTheRest() throws IOException {
        write("services/web.toml", serviceText("web", ""));
        write("services/.web.toml.swp", "garbage");
        write("services/old.toml.disabled", "garbage");
        write("services/README", "garbage");
        Files.createDirectories(dir.resolve("services/sub.toml"));
        write("supervisors/data.toml", "[supervisor]\nname = \"data\"\n");
        LoadResult result = ConfigLoader.load(dir);
        assertTrue(result.diagnostics().isEmpty(), result.diagnostics()::toString);
        assertEquals(2, result.filesRead());
        assertEquals(Set.of("web"), result.configuration().services().keySet());
        assertEquals(Set.of("root", "data"), result.configuration().supervisors().keySet());
        assertTrue(!result.partial());
    }

    @Test
    void aMissingOrEmptyPlaceIsOneClearError() throws IOException {
        assertDiagnostics(ConfigLoader.load(dir.resolve("nope")), dir.resolve("nope") + ": error: no such configuration directory or file");
        assertDiagnostics(ConfigLoader.load(dir), dir + ": error: has neither services/ nor supervisors/; a configuration "
                + "directory holds services/*.toml and supervisors/*.toml");
        write("supervisors/data.toml", "[supervisor]\nname = \"data\"\n");
        assertDiagnostics(ConfigLoader.load(dir), dir.resolve("services") + ": warning: no services directory: no services are configured");
    }

    @Test
    void anUnreadableFileIsReportedAndTheOthersStillLoad() throws IOException {
        write("services/web.toml", serviceText("web", ""));
        Files.createSymbolicLink(dir.resolve("services/gone.toml"), dir.resolve("nowhere"));
        LoadResult result = ConfigLoader.load(dir);
        assertDiagnostics(result, dir.resolve("services/gone.toml") + ": error: cannot read the file: it is a symbolic link to a missing file");
        assertEquals(Set.of("web"), result.configuration().services().keySet());
    }

    @Test
    void aHugeFileIsRefusedUnread() throws IOException {
        write("services/huge.toml", "# " + "x".repeat((int) ConfigFiles.MAX_FILE_SIZE));
        assertDiagnostics(ConfigLoader.load(dir), dir.resolve("services/huge.toml") + ": error: the file is "
                + (ConfigFiles.MAX_FILE_SIZE + 2) + " bytes; configuration files are limited to " + ConfigFiles.MAX_FILE_SIZE + " bytes");
    }

    @Test
    void invalidUtf8IsPositionedAndAByteOrderMarkIsFine() throws IOException {
        Path file = dir.resolve("services/bad.toml");
        Files.createDirectories(file.getParent());
        Files.write(file, "[service]\nname = \"caf\u00e9\"\nexec = [\"/bin/\u00e9\u00ff\"]\n".getBytes(StandardCharsets.ISO_8859_1));
        assertDiagnostics(ConfigLoader.load(dir), file + ":2:12: error: the file is not valid UTF-8 (TOML files must be UTF-8)");
        byte[] bom = {(byte) 0xef, (byte) 0xbb, (byte) 0xbf};
        byte[] text = serviceText("web", "").getBytes(StandardCharsets.UTF_8);
        byte[] withBom = new byte[bom.length + text.length];
        System.arraycopy(bom, 0, withBom, 0, 3);
        System.arraycopy(text, 0, withBom, 3, text.length);
        Files.write(file, withBom);
        assertEquals(Set.of("web"), ConfigLoader.load(dir).configuration().services().keySet());
    }

    @Test
    void aSingleFileIsLoadedByItsMainTable() throws IOException {
        Path service = write("web.toml", serviceText("web", "[dependencies]\nrequires = [\"db\"]\n"));
        LoadResult result = ConfigLoader.load(service);
        assertTrue(result.partial());
        assertTrue(result.diagnostics().isEmpty());
        Path supervisor = write("data.toml", "[supervisor]\nname = \"data\"\nparent = \"elsewhere\"\n");
        assertEquals(Set.of("root", "data"), ConfigLoader.load(supervisor).configuration().supervisors().keySet());
    }

    @Test
    void theContentHashFollowsContentNotLocation() throws IOException {
        write("a/services/web.toml", serviceText("web", ""));
        write("b/services/web.toml", serviceText("web", ""));
        String a = ConfigLoader.load(dir.resolve("a")).contentHash();
        assertEquals(a, ConfigLoader.load(dir.resolve("b")).contentHash());
        write("b/services/web.toml", serviceText("web", "description = \"changed\"\n"));
        assertNotEquals(a, ConfigLoader.load(dir.resolve("b")).contentHash());
        assertEquals(64, a.length());
    }
}
