package dynamod.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dynamod.linux.ExecHelper.Command;
import dynamod.linux.ExecHelper.Sandbox;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The helper's {@code --cgroup DIR}: the service (and the pid namespace's child) is in DIR when it runs. Needs root
 * and a cgroup2 mount; a controller-less one does (this host's /sys/fs/cgroup/unified): joining needs no controller.
 */
class CgroupJoinTest {

    private static Path mount;
    private Path group;

    @BeforeAll
    static void rootAndCgroup2() throws Exception {
        assumeTrue(Posix.geteuid() == 0, "joining a cgroup needs root");
        Optional<Path> found = cgroup2Mount();
        assumeTrue(found.isPresent(), "no cgroup2 mount");
        mount = found.get();
        Posix.setChildSubreaper();
    }

    static Optional<Path> cgroup2Mount() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
            String[] halves = line.split(" - ", 2);
            if (halves.length == 2 && halves[1].startsWith("cgroup2 ")) return Optional.of(Path.of(halves[0].split(" ")[4]));
        }
        return Optional.empty();
    }

    @BeforeEach
    void makeGroup() throws IOException {
        group = Files.createDirectory(mount.resolve("dynamod-test-" + UUID.randomUUID()));
    }

    @AfterEach
    void removeGroup() throws IOException {
        if (group != null) Files.deleteIfExists(group);
    }

    private Command inGroup(String executable, String... argv) {
        return Command.of(executable, List.of(argv), Children.ENV).withCgroup(group);
    }

    private String cgroupPath() {
        return "0::/" + mount.relativize(group);
    }

    @Test
    void theServiceRunsInItsCgroup() throws Exception {
        Children.Result r = Children.runHelper(inGroup("/bin/cat", "cat", "/proc/self/cgroup"), Map.of());
        assertTrue(r.report().ok(), r.report().toString());
        assertEquals(0, r.status().exitCode(), r.output());
        assertTrue(r.output().lines().anyMatch(cgroupPath()::equals), r.output());
    }

    @Test
    void theChildInAPidNamespaceIsBornInTheCgroup() throws Exception {
        Command command = inGroup("/bin/sh", "sh", "-c", "echo $$; cat /proc/self/cgroup")
                .withSandbox(new Sandbox(Set.of("pid"), false, null, List.of(), null, null));
        Children.Result r = Children.runHelper(command, Map.of());
        assertTrue(r.report().ok() && r.report().pid() > 0, r.report().toString());
        assertEquals(0, Posix.waitPid(r.report().pid(), true).exitCode(), r.output());
        List<String> lines = r.output().lines().toList();
        assertEquals("1", lines.getFirst(), r.output());
        assertTrue(lines.contains(cgroupPath()), r.output());
    }

    @Test
    void aCgroupThatCannotBeJoinedFailsTheSpawnAtStepCgroup() throws Exception {
        Path missing = group.resolve("missing");
        Children.Result r = Children.runHelper(Command.of("/bin/true", List.of("true"), Children.ENV).withCgroup(missing), Map.of());
        assertFalse(r.report().ok());
        assertEquals("cgroup", r.report().step());
        assertEquals(Errno.ENOENT, r.report().errno());
        assertTrue(r.report().message().contains(missing + "/cgroup.procs"), r.report().message());
        assertEquals(127, r.status().exitCode());
    }
}
