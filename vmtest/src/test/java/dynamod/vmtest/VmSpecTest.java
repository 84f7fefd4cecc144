package dynamod.vmtest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

class VmSpecTest {

    private static final VmImage IMAGE = TestImage.IMAGE;

    @Test
    void theDefaultsBootTheBareDiskByUuidThroughInit() {
        VmSpec spec = VmSpec.of(IMAGE).withAccelerator(Accelerator.TCG);
        assertEquals(String.join(" ", VmSpec.BASE_KERNEL_ARGS) + " rdinit=/init root=UUID=5a1e0d00-d1a0-4000-8000-000000000001",
                spec.kernelCommandLine());
        List<String> cmd = spec.qemuCommand(null);
        assertEquals(List.of("nice", "-n", "10", "qemu-system-x86_64", "-accel", "tcg"), cmd.subList(0, 6));
        assertTrue(Collections.indexOfSubList(cmd, List.of("-drive", "file=/b/root.ext4,format=raw,if=virtio,snapshot=on")) > 0, cmd::toString);
        assertTrue(Collections.indexOfSubList(cmd, List.of("-serial", "stdio")) > 0, cmd::toString);
        assertTrue(Collections.indexOfSubList(cmd, List.of("-kernel", "/b/vmlinuz", "-initrd", "/b/initramfs.cpio")) > 0, cmd::toString);
        assertTrue(cmd.contains("-no-reboot") && cmd.contains("-nodefaults"), cmd::toString);
        assertFalse(cmd.contains("virtserialport,chardev=shell,name=dynamod.shell"), cmd::toString);
    }

    @Test
    void changesAddKernelArgumentsADiskAndAShellPort() {
        VmSpec spec = VmSpec.of(IMAGE).withAccelerator(Accelerator.KVM).withDisk(IMAGE.rootGptDisk(), "PARTUUID=" + IMAGE.rootPartUuid())
                .withRdinit("/usr/lib/dynamod/vmtest/stub-initramfs").withKernelArgs("a=1").withKernelArgs("b").withShellPort();
        assertTrue(spec.kernelCommandLine().endsWith(
                " rdinit=/usr/lib/dynamod/vmtest/stub-initramfs root=PARTUUID=5a1e0d00-d1a0-4000-8000-0000000000d1 a=1 b"),
                spec.kernelCommandLine());
        List<String> cmd = spec.qemuCommand(Path.of("/tmp/x/shell.sock"));
        assertEquals(List.of("-accel", "kvm", "-cpu", "host"), cmd.subList(4, 8));
        assertTrue(Collections.indexOfSubList(cmd, List.of("-device", "virtio-serial-pci", "-chardev",
                "socket,id=shell,path=/tmp/x/shell.sock", "-device", "virtserialport,chardev=shell,name=dynamod.shell")) > 0, cmd::toString);
        assertTrue(cmd.contains("file=/b/root-gpt.img,format=raw,if=virtio,snapshot=on"), cmd::toString);
    }

    @Test
    void dataDisksComeAfterTheRootDiskAndAreWrittenInPlace() {
        List<String> cmd = VmSpec.of(IMAGE).withAccelerator(Accelerator.TCG).withDataDisk(Path.of("/run/1/data.ext4"))
                .withDataDisk(Path.of("/run/1/more.ext4")).qemuCommand(null);
        int root = cmd.indexOf("file=/b/root.ext4,format=raw,if=virtio,snapshot=on");
        assertTrue(root > 0, cmd::toString);
        assertEquals(List.of("-drive", "file=/run/1/data.ext4,format=raw,if=virtio", "-drive", "file=/run/1/more.ext4,format=raw,if=virtio"),
                cmd.subList(root + 1, root + 5), "vdb and vdc, without snapshot=on");
    }

    @Test
    void theInteractiveCommandMultiplexesTheConsoleWithTheMonitorAndLeavesCtrlCToTheGuest() {
        VmSpec spec = VmSpec.of(IMAGE).withAccelerator(Accelerator.TCG).withKernelArgs("dynamod.console=shell");
        List<String> cmd = spec.interactiveQemuCommand();
        assertTrue(Collections.indexOfSubList(cmd, List.of("-chardev", "stdio,id=console,mux=on,signal=off", "-serial",
                "chardev:console", "-mon", "chardev=console,mode=readline")) > 0, cmd::toString);
        assertFalse(Collections.indexOfSubList(cmd, List.of("-serial", "stdio")) >= 0, cmd::toString);
        // The same machine as a test boot: only the console's wiring differs.
        List<String> test = spec.qemuCommand(null);
        assertEquals(test.subList(0, test.indexOf("-serial")), cmd.subList(0, cmd.indexOf("-chardev")));
        assertTrue(cmd.get(cmd.indexOf("-append") + 1).endsWith(" dynamod.console=shell"), cmd::toString);
        assertThrows(IllegalStateException.class, () -> spec.withShellPort().interactiveQemuCommand());
    }
}
