package dynamod.svmgr.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dynamod.journal.event.ServiceEvent.OomVictim;
import dynamod.linux.Posix;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@link KernelOomLog} on this machine's /dev/kmsg, with real OOM kills: {@code tail /dev/zero} (a line that never
 * ends) in a memory cgroup limited to 32M. The kernel's report is what svmgr reads whichever cgroup version counted
 * the kill, so the group is made where the machine has a memory controller: cgroup2's, or, on a hybrid host (this
 * one: cgroup2 without controllers), v1's. Root only; skipped without /dev/kmsg or a memory controller (the VM
 * boot has the whole path: DynamodBootIT's oom services).
 */
class KernelOomLogHostTest {

    private static final long LIMIT = 32L << 20;

    /** A memory hierarchy: its mount and the names of its limit files. */
    private record Hierarchy(Path mount, String limitFile, String swapFile) {}

    private Hierarchy hierarchy;
    private final List<Path> made = new ArrayList<>();

    private void assumeAMemoryController() throws IOException {
        assumeTrue(Posix.geteuid() == 0, "memory cgroups and /dev/kmsg need root");
        assumeTrue(Files.isReadable(KernelOomLog.DEVICE), "no /dev/kmsg");
        Optional<Hierarchy> found = memoryHierarchy();
        assumeTrue(found.isPresent(), "no memory controller to make a group with");
        hierarchy = found.get();
    }

    @AfterEach
    void removeTheGroups() throws IOException {
        for (Path dir : made) Files.deleteIfExists(dir);
    }

    /** Where a group at the root of a memory hierarchy can be made (a mount of the hierarchy's root only). */
    private static Optional<Hierarchy> memoryHierarchy() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
            String[] halves = line.split(" - ", 2);
            String[] fields = halves[0].split(" ");
            if (halves.length < 2 || !fields[3].equals("/")) continue;
            Path mount = Path.of(fields[4]);
            String[] fs = halves[1].split(" ");
            if (fs[0].equals("cgroup2") && Files.readString(mount.resolve("cgroup.subtree_control")).contains("memory")) {
                return Optional.of(new Hierarchy(mount, "memory.max", "memory.swap.max"));
            }
            if (fs[0].equals("cgroup") && List.of(fs[fs.length - 1].split(",")).contains("memory")) {
                return Optional.of(new Hierarchy(mount, "memory.limit_in_bytes", "memory.memsw.limit_in_bytes"));
            }
        }
        return Optional.empty();
    }

    /** A new group of 32M (no swap) at the hierarchy's root: its path as the kernel says it. */
    private String group() throws IOException {
        String name = "dynamod-oom-" + UUID.randomUUID();
        Path dir = Files.createDirectory(hierarchy.mount().resolve(name));
        made.add(dir);
        Files.writeString(dir.resolve(hierarchy.limitFile()), String.valueOf(LIMIT));
        Path swap = dir.resolve(hierarchy.swapFile());
        if (Files.exists(swap)) Files.writeString(swap, hierarchy.swapFile().equals("memory.swap.max") ? "0" : String.valueOf(LIMIT));
        return "/" + name;
    }

    /** {@code tail /dev/zero} in the group until the OOM killer kills it; its pid. */
    private int oomKill(String group) throws Exception {
        Path procs = hierarchy.mount().resolve(group.substring(1)).resolve("cgroup.procs");
        Process p = new ProcessBuilder("/bin/sh", "-c", "echo $$ > " + procs + " && exec tail /dev/zero").redirectErrorStream(true).start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "tail was not killed in 60 s");
        String output = new String(p.getInputStream().readAllBytes());
        assertEquals(128 + 9, p.exitValue(), () -> "killed by SIGKILL: " + output);
        return (int) p.pid();
    }

    @Test
    void theKernelNamesEachGroupsVictimAndTheReportsOfOthersWait() throws Exception {
        assumeAMemoryController();
        String before = group(), first = group(), second = group();
        oomKill(before); // before the log is opened: not its business
        KernelOomLog log = KernelOomLog.open(KernelOomLog.DEVICE);
        assertEquals(Optional.empty(), log.unavailableReason());
        int firstPid = oomKill(first), secondPid = oomKill(second);
        // Asked about the second first: the first's report, read on the way, waits for it.
        assertEquals(List.of(new OomVictim(secondPid, "tail")), log.victims(second));
        assertEquals(List.of(new OomVictim(firstPid, "tail")), log.victims(first));
        assertEquals(List.of(), log.victims(first), "taken once");
        assertEquals(List.of(), log.victims(before));
    }

    @Test
    void withoutTheDeviceVictimsAreNotNamedAndItSaysWhy() {
        KernelOomLog log = KernelOomLog.open(Path.of("/nonexistent/kmsg"));
        assertTrue(log.unavailableReason().orElseThrow().contains("ENOENT"), log.unavailableReason()::orElseThrow);
        assertEquals(List.of(), log.victims("/system.slice/oom.service"));
    }
}
