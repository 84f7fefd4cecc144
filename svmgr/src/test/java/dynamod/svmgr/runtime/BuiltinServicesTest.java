package dynamod.svmgr.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dynamod.conf.ConfigLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BuiltinServicesTest {

    @TempDir
    Path dir;

    private static final UUID BOOT = UUID.fromString("0b00700b-0000-4000-8000-000000000001");

    private List<String> logdExec(Optional<Path> kmsg) throws Exception {
        Path config = Files.createDirectories(dir.resolve("config"));
        Path argv = Files.write(dir.resolve("logd.argv"), List.of("/usr/bin/dynamod-logd", "--state", "/var/lib/dynamod"));
        var result = ConfigLoader.load(BuiltinServices.with(config, Optional.of(argv), kmsg, BOOT));
        assertEquals(List.of(), result.diagnostics());
        return result.configuration().services().get(BuiltinServices.LOGD).exec();
    }

    @Test
    void logdJournalsUnderSvmgrsBootAndReadsTheKernelLogOnlyWhenAsked() throws Exception {
        String boot = BOOT.toString();
        assertEquals(List.of("/usr/bin/dynamod-logd", "--state", "/var/lib/dynamod", "--boot-id", boot), logdExec(Optional.empty()));
        assertEquals(List.of("/usr/bin/dynamod-logd", "--state", "/var/lib/dynamod", "--boot-id", boot, "--kmsg", "/dev/kmsg"),
                logdExec(Optional.of(Path.of("/dev/kmsg"))));
    }
}
