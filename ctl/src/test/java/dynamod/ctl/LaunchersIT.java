package dynamod.ctl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** bin/dynamodctl and bin/dynamod as a user runs them, after the build has packaged the jars. */
class LaunchersIT {

    @Test
    void dynamodctlChecksTheExamplesWithoutRebuilding() throws Exception {
        HostCommands.Result result = HostCommands.run(Map.of(), "bin/dynamodctl", "check", "conf/examples");
        assertEquals(0, result.exit(), result::toString);
        assertEquals("conf/examples: 9 services and 3 supervisors loaded from 12 files; no problems\n", result.out());
        assertFalse(result.err().contains("building"), "fresh jars must not be rebuilt: " + result.err());
    }

    @Test
    void dynamodctlReportsTheBrokenShowcaseAndExitsOne() throws Exception {
        HostCommands.Result result = HostCommands.run(Map.of(), "bin/dynamodctl", "check", "conf/src/test/resources/broken/showcase");
        assertEquals(1, result.exit(), result::toString);
        assertTrue(result.out().contains("conf/src/test/resources/broken/showcase/services/app.toml:5:1: error: unknown key "
                + "\"enviroment\" in [service]; did you mean environment?\n"), result.out());
        assertTrue(result.out().endsWith("6 errors, 1 warning\n"), result.out());
    }

    @Test
    void theHostModeDemoShowsTheExampleSystem() throws Exception {
        // (bin/dynamod demo boots it in QEMU for a person at a terminal: DynamodBootIT boots that image.)
        HostCommands.Result result = HostCommands.run(Map.of(), "bin/dynamod", "demo", "--host");
        assertEquals(0, result.exit(), result::toString);
        assertTrue(result.out().contains("Supervision tree\nroot  one-for-one"), result.out());
        assertTrue(result.out().contains("Start order"), result.out());
    }

    @Test
    void dynamodctlDumpsAJournalWithChroniclesFlags(@TempDir Path dir) throws Exception {
        try (var journal = dynamod.journal.Journal.open(dynamod.journal.JournalOptions.defaults(dir, dynamod.journal.Origin.TOOL))) {
            journal.append(new dynamod.journal.event.SystemEvent.ManagerStarted(1, 2));
        }
        HostCommands.Result result = HostCommands.run(Map.of(), "bin/dynamodctl", "journal", "dump", "--dir", dir.toString());
        assertEquals(0, result.exit(), result::toString);
        assertTrue(result.out().contains("ManagerStarted generation=1 pid=2"), result.out());
        assertFalse(result.err().contains("WARNING"), "no JVM warnings: the launcher passes Chronicle's flags: " + result.err());
    }

    @Test
    void aJavaHomeOlderThan25IsPassedOverForJdk25(@TempDir Path dir) throws Exception {
        Path old = fakeJdk(dir, "17.0.15");
        HostCommands.Result result = HostCommands.run(Map.of("JAVA_HOME", old.toString()), "bin/dynamodctl", "--version");
        assertEquals(0, result.exit(), result::toString);
        assertTrue(result.out().startsWith("dynamodctl "), result.out());
    }

    @Test
    void withoutJdk25TheLaunchersSayWhatToInstall(@TempDir Path dir) throws Exception {
        Path old = fakeJdk(dir, "17.0.15");
        Map<String, String> env = Map.of("JAVA_HOME", old.toString(), "DYNAMOD_JDK_SEARCH", "");
        for (String launcher : List.of("bin/dynamodctl", "bin/dynamod")) {
            HostCommands.Result result = HostCommands.run(env, launcher, launcher.endsWith("ctl") ? "--version" : "demo");
            assertEquals(127, result.exit(), result::toString);
            assertTrue(result.err().contains("dynamod needs a JDK 25 or newer, and none was found."), result.err());
            assertTrue(result.err().contains("looked at: " + old + " (JDK 17)"), result.err());
            assertTrue(result.err().contains("install Temurin 25"), result.err());
        }
    }

    /** A directory that looks like a JDK of the given version to the launcher. */
    private static Path fakeJdk(Path dir, String version) throws IOException {
        Path home = dir.resolve("jdk-" + version);
        Files.createDirectories(home.resolve("bin"));
        Path java = home.resolve("bin/java");
        Files.writeString(java, "#!/bin/sh\necho fake java >&2\nexit 1\n");
        Files.setPosixFilePermissions(java, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.writeString(home.resolve("release"), "JAVA_VERSION=\"" + version + "\"\n", StandardCharsets.UTF_8);
        return home;
    }
}
