package dynamod.svmgr.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dynamod.conf.ConfigLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BuiltinServicesTest {

    @TempDir
    Path dir;

    private List<String> logdExec(Optional<Path> kmsg) throws Exception {
        Path config = Files.createDirectories(dir.resolve("config"));
        Path argv = Files.write(dir.resolve("logd.argv"), List.of("/usr/bin/dynamod-logd", "--state", "/var/lib/dynamod"));
        var result = ConfigLoader.load(BuiltinServices.with(config, Optional.of(argv), kmsg));
        assertEquals(List.of(), result.diagnostics());
        return result.configuration().services().get(BuiltinServices.LOGD).exec();
    }

    @Test
    void theKernelLogIsReadOnlyWhenAsked() throws Exception {
        assertEquals(List.of("/usr/bin/dynamod-logd", "--state", "/var/lib/dynamod"), logdExec(Optional.empty()));
        assertEquals(List.of("/usr/bin/dynamod-logd", "--state", "/var/lib/dynamod", "--kmsg", "/dev/kmsg"),
                logdExec(Optional.of(Path.of("/dev/kmsg"))));
    }
}
