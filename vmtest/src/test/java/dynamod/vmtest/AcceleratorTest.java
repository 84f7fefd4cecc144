package dynamod.vmtest;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AcceleratorTest {

    @TempDir
    Path dir;

    @Test
    void kvmOnlyWithAHardwareKvmModuleAndAUsableDevice() throws Exception {
        Path sysModule = Files.createDirectories(dir.resolve("module"));
        Path devKvm = Files.createFile(dir.resolve("kvm"));
        Files.createDirectories(sysModule.resolve("kvm"));
        Files.createDirectories(sysModule.resolve("kvm_pvm"));
        assertEquals(Accelerator.TCG, Accelerator.detect(sysModule, devKvm), "PVM's /dev/kvm cannot boot a stock kernel");
        Files.createDirectories(sysModule.resolve("kvm_amd"));
        assertEquals(Accelerator.KVM, Accelerator.detect(sysModule, devKvm));
        assertEquals(Accelerator.TCG, Accelerator.detect(sysModule, dir.resolve("no-such-device")));
    }
}
