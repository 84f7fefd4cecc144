package dynamod.init.pid1;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dynamod.linux.Kernel;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class KernelCommandLineTest {

    @Test
    void theRootKeys() {
        KernelCommandLine c = KernelCommandLine.parse(
                "BOOT_IMAGE=/vmlinuz console=ttyS0 root=UUID=0A1B2C3D-4E5F-4061-8273-94A5B6C7D8E9 rootfstype=ext4 "
                        + "rootflags=noatime,commit=30,data=ordered rw rootwait rootdelay=2 init=/sbin/dynamod-init quiet\n");
        assertEquals(Optional.of(new RootSpec.FsUuid("0a1b2c3d-4e5f-4061-8273-94a5b6c7d8e9")), c.root());
        assertEquals(Optional.of("ext4"), c.rootFsType());
        assertEquals(new MountOptions(Kernel.MS_NOATIME, 0, "commit=30,data=ordered"), c.rootFlags());
        assertFalse(c.readOnly());
        assertEquals(Optional.of(KernelCommandLine.WAIT_FOREVER), c.rootWait());
        assertEquals(Duration.ofSeconds(2), c.rootDelay());
        assertEquals(Optional.of("/sbin/dynamod-init"), c.init());
        assertEquals(List.of(), c.problems());
    }

    @Test
    void defaultsAreTheKernels() {
        KernelCommandLine c = KernelCommandLine.parse("console=ttyS0");
        assertEquals(Optional.empty(), c.root());
        assertTrue(c.readOnly(), "the kernel mounts the root read-only unless rw is given");
        assertEquals(Optional.empty(), c.rootWait());
        assertEquals(Duration.ZERO, c.rootDelay());
        assertFalse(c.emergency());
        assertFalse(c.debug());
    }

    @Test
    void everyRootForm() {
        assertEquals(new RootSpec.DevicePath("/dev/vda1"), KernelCommandLine.parse("root=/dev/vda1").root().orElseThrow());
        assertEquals(new RootSpec.DeviceNumber(254, 1), KernelCommandLine.parse("root=254:1").root().orElseThrow());
        assertEquals(new RootSpec.PartUuid("1234abcd-01"), KernelCommandLine.parse("root=PARTUUID=1234ABCD-01").root().orElseThrow());
        assertEquals(new RootSpec.Label("My Root"), KernelCommandLine.parse("root=\"LABEL=My Root\"").root().orElseThrow());
        assertEquals(new RootSpec.Label("My Root"), KernelCommandLine.parse("root=LABEL=\"My Root\" ro").root().orElseThrow());
        assertEquals(new RootSpec.PartLabel("root"), KernelCommandLine.parse("root=PARTLABEL=root").root().orElseThrow());
        assertEquals(new RootSpec.FsUuid("5a1e0d00-d1a0-4000-8000-000000000001"),
                KernelCommandLine.parse("root=/dev/disk/by-uuid/5A1E0D00-D1A0-4000-8000-000000000001").root().orElseThrow());
        assertEquals(new RootSpec.Label("My Root"), KernelCommandLine.parse("root=/dev/disk/by-label/My\\x20Root").root().orElseThrow());
        assertEquals(new RootSpec.DevicePath("/dev/disk/by-path/pci-0000:00:04.0"),
                KernelCommandLine.parse("root=/dev/disk/by-path/pci-0000:00:04.0").root().orElseThrow());
    }

    @Test
    void theLastOfRoAndRwAndOfAKeyWins() {
        assertTrue(KernelCommandLine.parse("rw ro").readOnly());
        assertFalse(KernelCommandLine.parse("ro rw").readOnly());
        assertEquals(new RootSpec.DevicePath("/dev/vdb"), KernelCommandLine.parse("root=/dev/vda root=/dev/vdb").root().orElseThrow());
    }

    @Test
    void dynamodKeys() {
        KernelCommandLine c = KernelCommandLine.parse("dynamod.emergency dynamod.debug=1 dynamod.config=/etc/dynamod/test");
        assertTrue(c.emergency());
        assertTrue(c.debug());
        assertEquals(Optional.of("/etc/dynamod/test"), c.config());
        assertFalse(KernelCommandLine.parse("dynamod.emergency=no").emergency());
    }

    @Test
    void aContainersKeysAreInitsDynamodArgumentsEachOneWord() {
        KernelCommandLine c = KernelCommandLine.ofContainerArguments(
                List.of("--kill-wait", "500", "dynamod.emergency", "dynamod.config=/etc/my config", "root=/dev/vda"));
        assertTrue(c.emergency());
        assertEquals(Optional.of("/etc/my config"), c.config(), "an argument is one word, blanks and all");
        assertEquals(Optional.empty(), c.root(), "only dynamod.* keys: a container has no root to find");
        assertFalse(KernelCommandLine.ofContainerArguments(List.of("--state", "/s")).emergency());
        assertTrue(KernelCommandLine.isContainerKey("dynamod.debug"));
        assertFalse(KernelCommandLine.isContainerKey("--state"));
    }

    @Test
    void whatFollowsTwoDashesIsInitsNotTheKernels() {
        assertEquals(Optional.empty(), KernelCommandLine.parse("console=ttyS0 -- root=/dev/vda").root());
    }

    @Test
    void badValuesAreSaidAndTheRestStillCounts() {
        KernelCommandLine c = KernelCommandLine.parse("root=sda1 rootdelay=soon rootwait=x init=sbin/init dynamod.debug=maybe rw");
        assertEquals(Optional.empty(), c.root());
        assertEquals(Duration.ZERO, c.rootDelay());
        assertEquals(Optional.of(KernelCommandLine.WAIT_FOREVER), c.rootWait());
        assertEquals(Optional.empty(), c.init());
        assertTrue(c.debug());
        assertFalse(c.readOnly());
        assertEquals(5, c.problems().size(), c.problems().toString());
        assertTrue(c.problems().getFirst().startsWith("root=sda1: expected"), c.problems().toString());
        assertEquals(Optional.of(Duration.ofSeconds(30)), KernelCommandLine.parse("rootwait=30").rootWait());
        // a wait longer than a century is for ever, and still a number of nanoseconds
        assertEquals(KernelCommandLine.WAIT_FOREVER, KernelCommandLine.parse("rootdelay=99999999999999").rootDelay());
        assertEquals(KernelCommandLine.WAIT_FOREVER.toNanos(), KernelCommandLine.parse("rootwait").rootWait().orElseThrow().toNanos());
    }

    @Test
    void mountOptionsLikeMount8() {
        MountOptions o = MountOptions.parse("ro,nosuid,defaults,subvol=@root,rw,compress=zstd");
        assertEquals(Kernel.MS_NOSUID, o.flags());
        assertEquals(Kernel.MS_RDONLY, o.clear());
        assertEquals("subvol=@root,compress=zstd", o.data());
        assertEquals(Kernel.MS_NOSUID, o.applyTo(Kernel.MS_RDONLY));
    }
}
