package dynamod.vmtest;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dynamod.journal.text.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Boots the image with dynamod-init as PID 1 (issue 8): the initramfs phase finds the root by UUID, LABEL or
 * PARTUUID, switch_root, the real-root phase, svmgr with the test system (image/system: hello, then ticker after it;
 * shell, the harness's shell on the dynamod.shell port), dynamodctl inside the guest, and the final shutdown. Each
 * boot checks several things, because a boot under TCG takes a minute.
 */
class DynamodBootIT {

    /** A boot reaches its shell in about a minute at low load; the shared machine can make that three. */
    private static final Duration BOOT_TIMEOUT = Duration.ofMinutes(4), COMMAND_TIMEOUT = Duration.ofSeconds(90),
            STATE_TIMEOUT = Duration.ofMinutes(2);

    private static VmImage image;

    @BeforeAll
    static void image() throws IOException {
        image = VmImage.fromBuildProperty();
    }

    private static Path runDir(String name) {
        return Path.of("target", "vm-runs", "dynamod-" + name);
    }

    /**
     * A dynamod boot: the root read-only on the command line, as distributions boot (init remounts it read-write as
     * the image's /etc/fstab says), the shell port.
     */
    private static VmSpec dynamodBoot() {
        return VmSpec.of(image).withShellPort().withKernelArgs("ro");
    }

    private static void assertLine(VmResult result, Predicate<String> matches, String what) {
        assertTrue(result.console().stream().map(LineLog.Line::text).anyMatch(matches), () -> "no console line " + what + "\n" + result.describe());
    }

    private static void assertLine(VmResult result, String line) {
        assertLine(result, line::equals, "'" + line + "'");
    }

    /**
     * {@code dynamodctl list --json} in the guest, by service name. (Its stderr is left out: without a running manager
     * it says so there and prints the journal's view.)
     */
    private static Map<String, Map<String, Object>> services(GuestShell shell) throws Exception {
        GuestShell.Result r = shell.run("dynamodctl list --json 2>/dev/null", COMMAND_TIMEOUT);
        assertEquals(0, r.exitStatus(), r::text);
        Map<String, Map<String, Object>> byName = new LinkedHashMap<>();
        for (Object o : (List<?>) JsonParser.parse(r.text())) {
            @SuppressWarnings("unchecked")
            Map<String, Object> s = (Map<String, Object>) o;
            byName.put((String) s.get("name"), s);
        }
        return byName;
    }

    /** Polls {@code dynamodctl list --json} until {@code ready} holds (each call starts a JVM: seconds under TCG). */
    private static Map<String, Map<String, Object>> awaitServices(GuestShell shell, Predicate<Map<String, Map<String, Object>>> ready,
            String what) {
        AtomicReference<Map<String, Map<String, Object>>> last = new AtomicReference<>();
        await(what).atMost(STATE_TIMEOUT).pollDelay(Duration.ZERO).pollInterval(Duration.ofSeconds(1))
                .until(() -> {
                    last.set(services(shell));
                    return ready.test(last.get());
                });
        return last.get();
    }

    /** hello (a oneshot) has run and is done, ticker, the shell and logd run. */
    private static boolean testSystemUp(Map<String, Map<String, Object>> services) {
        return state(services, "hello").equals("done") && state(services, "ticker").equals("running")
                && state(services, "shell").equals("running") && state(services, "dynamod-logd").equals("running");
    }

    /**
     * The example system (conf/examples) is up: setup and banner done; db, cache, web, api, clock and legacy running
     * (ready, each by its own readiness protocol).
     */
    private static boolean exampleSystemUp(Map<String, Map<String, Object>> services) {
        return Stream.of("setup", "banner").allMatch(n -> state(services, n).equals("done"))
                && Stream.of("db", "cache", "web", "api", "clock", "legacy").allMatch(n -> state(services, n).equals("running"));
    }

    /** The latest {@code since} of the services that are ready (running or done): when the last became ready. */
    private static Instant lastReady(Map<String, Map<String, Object>> services) {
        return services.values().stream().filter(s -> s.get("state").equals("running") || s.get("state").equals("done"))
                .map(s -> Instant.parse((String) s.get("since"))).max(Comparator.naturalOrder()).orElseThrow();
    }

    private static String state(Map<String, Map<String, Object>> services, String name) {
        Map<String, Object> s = services.get(name);
        return s == null ? "(not listed)" : String.valueOf(s.get("state"));
    }

    private static String value(Map<String, Map<String, Object>> services, String name, String key) {
        return String.valueOf(services.get(name).get(key));
    }

    /** One shell command's single output line. */
    private static String output(GuestShell shell, String command) throws Exception {
        GuestShell.Result r = shell.run(command, COMMAND_TIMEOUT);
        assertEquals(0, r.exitStatus(), () -> command + ": " + r.text());
        return r.text().strip();
    }

    /** svmgr's pid, found by the name its command line gives it (busybox-static has no pgrep). */
    private static final String SVMGR_PID = "for p in /proc/[0-9]*; do if grep -q daemon=dynamod-svmgr $p/cmdline 2>/dev/null; then echo ${p#/proc/}; fi; done";

    /**
     * Sends a shutdown command without waiting for its end: the ordered stop ends the shell service too, often
     * before the command returns. The console and QEMU's end tell how it went.
     */
    private static void sendShutdown(GuestShell shell, String command) throws IOException {
        shell.send(command + "\n");
    }

    /** A host tool's exit status and output (e2fsprogs' tools are in /usr/sbin, which a test's PATH may lack). */
    private record HostRun(int exitStatus, String output) {}

    private static HostRun host(String tool, String... args) throws Exception {
        String path = List.of("/usr/sbin/" + tool, "/sbin/" + tool).stream().filter(p -> Files.isExecutable(Path.of(p)))
                .findFirst().orElse(tool);
        List<String> command = new java.util.ArrayList<>(List.of(path));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        return new HostRun(p.waitFor(), output);
    }

    @Test
    void bootsByUuidStartsTheServicesInOrderSurvivesAKilledSvmgrAndPowersOffCleanly() throws Exception {
        // The data disk is written in place: this boot's own copy, read on the host after the poweroff.
        Path dataDisk = Files.copy(image.dataDisk(), Files.createDirectories(runDir("uuid")).resolve("data.ext4"),
                java.nio.file.StandardCopyOption.REPLACE_EXISTING).toAbsolutePath();
        try (Vm vm = Vm.start(dynamodBoot().withDataDisk(dataDisk), runDir("uuid"))) {
            GuestShell shell = vm.shell("VMTEST-SHELL-READY", BOOT_TIMEOUT);

            // Ready, in dependency order: ticker (after = hello) started only once hello was done.
            Map<String, Map<String, Object>> up = awaitServices(shell, s -> testSystemUp(s) && exampleSystemUp(s),
                    "the test system and the example system up");
            Instant helloDone = Instant.parse(value(up, "hello", "since"));
            Instant tickerRunning = Instant.parse(value(up, "ticker", "since"));
            assertTrue(tickerRunning.isAfter(helloDone), () -> "ticker ran from " + tickerRunning + ", before hello was done at " + helloDone);
            assertEquals("0", value(up, "ticker", "restarts"));
            assertEquals("hello from the vmtest system", output(shell, "dynamodctl logs -u hello -n 20 | grep -o 'hello from the vmtest system'"));
            // logd journals the kernel's log in PID-1 mode (--logd-kmsg /dev/kmsg) under the boot svmgr runs, which is the
            // kernel's boot id: -k (this boot implied) and -k -b find the kernel's banner.
            assertEquals(output(shell, "cat /proc/sys/kernel/random/boot_id | tr -d -"), output(shell, "dynamodctl logs --list-boots | tail -n 1 | awk '{print $2}'"));
            assertEquals("Linux version", output(shell, "dynamodctl logs -k --no-pager | grep -o 'Linux version' | head -n 1"));
            assertEquals("Linux version", output(shell, "dynamodctl logs -k -b --no-pager | grep -o 'Linux version' | head -n 1"));

            // The example system (conf/examples) in the guest: web serves its page; the console service, without
            // dynamod.console=shell on the command line, exited 0 at once (no shell on a console nobody reads).
            assertEquals("<h1>dynamod example</h1>", output(shell, "busybox wget -q -O - http://127.0.0.1:18080/"));
            assertEquals("inactive", state(up, "console"), () -> "console: " + up.get("console"));
            // sandbox (the example: user nobody in its own namespaces): what it did, printed, not asserted.
            System.out.println("sandbox: " + up.get("sandbox") + "; it wrote: "
                    + shell.run("dynamodctl logs -u sandbox -n 5 -o cat", COMMAND_TIMEOUT).text());
            // When the last service became ready, on the host's clock: the guest's clock, read once, maps list --json's instants.
            int clockFrom = shell.lines().lines().size();
            // (busybox's date has no %N; its adjtimex reads the clock to the microsecond.)
            String guestClock = output(shell, "adjtimex | awk '/time.tv_sec/ {s = $2} /time.tv_usec/ {u = $2} END {printf \"%d%06d\\n\", s, u}'");
            Duration guestClockArrived = shell.lines().find(clockFrom, guestClock::equals).orElseThrow().sinceStart();
            Duration allServicesReady = BootTimes.onHost(lastReady(up), Instant.ofEpochSecond(0, Long.parseLong(guestClock) * 1000), guestClockArrived);

            // What PID 1 and svmgr hold (docs/vmtest.md's measurements; printed, not asserted).
            String svmgrPid = output(shell, SVMGR_PID);
            String rss = output(shell, "echo init $(grep VmRSS /proc/1/status) svmgr $(grep VmRSS /proc/" + svmgrPid + "/status)"
                    + " logd $(grep VmRSS /proc/" + value(up, "dynamod-logd", "pid") + "/status)");
            Files.writeString(runDir("uuid").resolve("rss.txt"), rss + "\n");
            System.out.println("guest resident memory: " + rss);

            // svmgr and logd run with their AOT caches (build-image.sh's train_daemons): a JVM keeps its cache mapped only
            // when it validated (one that does not is unmapped, and the JVM runs without it).
            for (String[] daemon : List.of(new String[] {"svmgr", svmgrPid}, new String[] {"logd", value(up, "dynamod-logd", "pid")})) {
                String cache = "/usr/lib/dynamod/aot/" + daemon[0] + ".aot";
                assertNotEquals("0", output(shell, "grep -c " + cache + " /proc/" + daemon[1] + "/maps || true"), daemon[0] + " runs without " + cache);
            }

            // svmgr killed: init restarts it after its back-off; the new svmgr adopts the services (same pids, no restart).
            int fromLine = vm.console().lines().size();
            GuestShell.Result kill = shell.run("kill -9 " + svmgrPid, COMMAND_TIMEOUT);
            assertEquals(0, kill.exitStatus(), kill::text);
            vm.console().await(fromLine, l -> l.startsWith("dynamod-init: svmgr (pid " + svmgrPid + ")") && l.contains("restarting it in"),
                    STATE_TIMEOUT, "init restarting the killed svmgr");
            LineLog.Line second = vm.console().await(fromLine, l -> l.startsWith("dynamod-svmgr: starting (generation 2"), STATE_TIMEOUT, "svmgr's generation 2");
            // Its control socket answers from here on: the list below is the new svmgr's, not the journal's view.
            vm.console().await(second.index(), l -> l.startsWith("dynamod-svmgr: running: "), STATE_TIMEOUT, "svmgr's generation 2 running");
            Map<String, Map<String, Object>> adopted = awaitServices(shell, DynamodBootIT::testSystemUp, "the services seen by svmgr's generation 2");
            for (String name : List.of("ticker", "shell")) {
                assertEquals(value(up, name, "pid"), value(adopted, name, "pid"), name + " adopted with its pid");
                assertEquals("0", value(adopted, name, "restarts"), name + " not restarted");
            }
            assertNotEquals(svmgrPid, output(shell, SVMGR_PID));

            // /etc/fstab: / booted ro and remounted read-write, the data disk (by label) on /data, made by init.
            assertEquals("rw", output(shell, "awk '$2 == \"/\" {o = $4} END {split(o, a, \",\"); print a[1]}' /proc/mounts"));
            assertEquals("/dev/vdb ext4", output(shell, "awk '$2 == \"/data\" {print $1, $3}' /proc/mounts"));
            assertEquals("made by build-image.sh", output(shell, "cat /data/image-file"));
            assertEquals(0, shell.run("echo written-in-the-guest >/data/guest-file", COMMAND_TIMEOUT).exitStatus());

            int shutdownFrom = shell.lines().lines().size();
            sendShutdown(shell, "echo SHUTDOWN-REQUESTED; dynamodctl shutdown poweroff");
            VmResult result = vm.awaitExit();
            assertTrue(result.poweredOff(), result::describe);
            BootTimes.DynamodBoot times = BootTimes.DynamodBoot.of(result, allServicesReady,
                    shell.lines().find(shutdownFrom, "SHUTDOWN-REQUESTED"::equals).map(LineLog.Line::sinceStart));
            Files.writeString(runDir("uuid").resolve("boot-times.txt"), times.describe() + "\n");
            System.out.println("boot times (the example system and the test system, host seconds since QEMU started): " + times.describe());
            assertLine(result, l -> l.startsWith("dynamod-init: mounted /dev/vda ") && l.contains("UUID=" + image.rootUuid()), "mounting the root by UUID");
            assertLine(result, "dynamod-init: switching to the real root: exec /sbin/dynamod-init");
            assertLine(result, "dynamod-init: remounted / read-only");
            assertLine(result, "dynamod-init: poweroff now");
            assertLine(result, "dynamod-init: remounted / read-write (/etc/fstab:2)");
            assertLine(result, l -> l.startsWith("dynamod-init: mounted /dev/vdb ") && l.contains("LABEL=" + image.dataLabel())
                    && l.endsWith(" on /data as ext4 (/etc/fstab:3)"), "mounting the data disk by label");
            assertLine(result, "dynamod-init: unmounted /data");
            // No JVM on the console (init, svmgr) said that its AOT cache failed ("[error][aot] ...", "[warning][cds] ...").
            assertTrue(result.console().stream().map(LineLog.Line::text).noneMatch(l -> l.matches(".*\\]\\[(error|warning) *\\]\\[(aot|cds).*")),
                    result::describe);
        }
        // Unmounted cleanly, with what the guest wrote.
        HostRun state = host("dumpe2fs", "-h", dataDisk.toString());
        assertTrue(state.output().lines().anyMatch(l -> l.matches("Filesystem state: +clean")), state::output);
        HostRun fsck = host("e2fsck", "-fn", dataDisk.toString());
        assertEquals(0, fsck.exitStatus(), fsck::output);
        HostRun file = host("debugfs", "-R", "cat /guest-file", dataDisk.toString());
        assertTrue(file.output().lines().anyMatch("written-in-the-guest"::equals), file::output);
    }

    @Test
    void findsTheGptPartitionByPartuuidAndRebootsOnCtrlAltDelsSignal() throws Exception {
        VmSpec spec = dynamodBoot().withDisk(image.rootGptDisk(), "PARTUUID=" + image.rootPartUuid());
        try (Vm vm = Vm.start(spec, runDir("partuuid"))) {
            GuestShell shell = vm.shell("VMTEST-SHELL-READY", BOOT_TIMEOUT);
            awaitServices(shell, DynamodBootIT::testSystemUp, "the test system up");
            // SIGINT is what the kernel sends PID 1 for ctrl-alt-del once init has set reboot(CAD_OFF).
            sendShutdown(shell, "kill -INT 1");
            VmResult result = vm.awaitExit();
            assertEquals(VmResult.Shutdown.RESTART, result.shutdown(), result::describe);
            assertEquals(0, result.exitStatus(), result::describe);
            assertLine(result, l -> l.startsWith("dynamod-init: mounted /dev/vda1 ") && l.contains("on /newroot"), "mounting partition 1");
            assertLine(result, "dynamod-init: SIGINT: reboot - stopping every service (SIGINT again to kill them at once)");
            assertLine(result, "dynamod-init: remounted / read-only");
            assertLine(result, "dynamod-init: reboot now");
        }
    }

    @Test
    void findsTheRootByLabelAndRebootsOnDynamodctlShutdownReboot() throws Exception {
        // 8 minutes, not 5: the isolation checks and the spawn loops add 2-3 minutes to the boot and the reboot.
        VmSpec spec = dynamodBoot().withDisk(image.rootDisk(), "LABEL=" + image.rootLabel()).withKernelArgs("dynamod.emergency")
                .withTimeout(Duration.ofMinutes(8));
        try (Vm vm = Vm.start(spec, runDir("label"))) {
            // dynamod.emergency: the emergency shell on the console, saying why, before any service; exiting it starts them.
            LineLog.Line why = vm.console().await(0, l -> l.equals("dynamod-init: EMERGENCY SHELL: dynamod.emergency is on the kernel command line;"
                    + " exit the shell to start the services"), BOOT_TIMEOUT, "the emergency shell for dynamod.emergency");
            vm.console().await(why.index(), l -> l.contains("emergency shell") && l.contains("leave it with 'exit'"), STATE_TIMEOUT, "the shell started");
            vm.typeOnConsole("echo emergency-$((6 * 7)); exit\n");
            vm.console().await(why.index(), l -> l.equals("emergency-42") || l.endsWith("# emergency-42"), STATE_TIMEOUT, "the command's output");
            LineLog.Line ended = vm.console().await(why.index(), l -> l.startsWith("dynamod-init: the emergency shell ended"), STATE_TIMEOUT, "the shell's end");
            // svmgr's first start comes after the shell's end (the await looks only there)
            vm.console().await(ended.index(), l -> l.startsWith("dynamod-svmgr: starting (generation 1"), STATE_TIMEOUT, "svmgr after the shell");
            GuestShell shell = vm.shell("VMTEST-SHELL-READY", BOOT_TIMEOUT);
            awaitServices(shell, DynamodBootIT::testSystemUp, "the test system up");
            checkCgroupsAndNamespaces(vm, shell);
            measureSpawnLatency(shell, runDir("label"));
            sendShutdown(shell, "dynamodctl shutdown reboot");
            VmResult result = vm.awaitExit();
            assertEquals(VmResult.Shutdown.RESTART, result.shutdown(), result::describe);
            assertEquals(0, result.exitStatus(), result::describe);
            assertLine(result, l -> l.startsWith("dynamod-init: mounted /dev/vda ") && l.contains("LABEL=" + image.rootLabel()), "mounting the root by label");
            // No data disk in this boot: its fstab line has nofail.
            assertLine(result, "dynamod-init: cannot mount LABEL=" + image.dataLabel() + " on /data (/etc/fstab:3): no block device matches LABEL="
                    + image.dataLabel() + " (nofail: booting without it)");
            assertLine(result, "dynamod-init: remounted / read-only");
            assertLine(result, "dynamod-init: reboot now");
        }
    }

    private static final String ISOLATION_SERVICES = "/usr/lib/dynamod/vmtest/isolation";
    private static final String SERVICES_SLICE = "/sys/fs/cgroup/system.slice";
    /** confined.toml's bind mounts' sources. */
    private static final String BIND_SOURCES = "/run/vmtest-bind";

    /** A flat-keyed cgroup file's value (memory.events, pids.events, cpu.stat), -1 without the key. */
    private static long cgroupKey(GuestShell shell, String service, String file, String key) throws Exception {
        String line = output(shell, "grep '^" + key + " ' " + SERVICES_SLICE + "/" + service + ".service/" + file + " || echo '" + key + " -1'");
        return Long.parseLong(line.split(" ")[1]);
    }

    private static boolean exists(GuestShell shell, String path) throws Exception {
        return output(shell, "if [ -e " + path + " ]; then echo yes; else echo no; fi").equals("yes");
    }

    /**
     * Issue 9 in the guest: the services of image/isolation, loaded by a reload (the other boots do not run them).
     * Each service in its own cgroup, placed before exec; an OOM kill journaled and restarted by policy; a fork bomb
     * contained by pids-max; cpu-max throttling, raised live by a reload, and a limit the kernel refuses on a reload
     * (the old ones stay, the service runs on); a stop kills a child that left its process group, and the empty group
     * is removed; status shows memory; the namespaces and bind mounts as the service sees them, and from outside.
     */
    private static void checkCgroupsAndNamespaces(Vm vm, GuestShell shell) throws Exception {
        Map<String, Map<String, Object>> up = services(shell);
        assertEquals("0::/system.slice/ticker.service", output(shell, "cat /proc/" + value(up, "ticker", "pid") + "/cgroup"));
        assertEquals("", output(shell, "cat /sys/fs/cgroup/system.slice/cgroup.procs"), "no process in an inner node");
        // confined's bind mounts' sources (owned by its user: only the read-only mount refuses its write).
        output(shell, "mkdir -p " + BIND_SOURCES + "/ro " + BIND_SOURCES + "/rw && chown 4242:4242 " + BIND_SOURCES + "/ro " + BIND_SOURCES + "/rw"
                + " && cp " + ISOLATION_SERVICES + "/*.toml /etc/dynamod/system/services/ && dynamodctl reload >/dev/null && echo reloaded");
        Map<String, Map<String, Object>> services = awaitServices(shell, s -> List.of("oom", "forkbomb", "cpuhog", "daemon", "confined").stream()
                .allMatch(n -> state(s, n).equals("running")) && !value(s, "oom", "restarts").equals("0"), "the isolation services up, oom restarted");

        // The fork bomb hit pids.max and stays under it; this shell answers meanwhile. Its stop kills the whole group.
        await("pids.max reached").atMost(STATE_TIMEOUT).pollInterval(Duration.ofSeconds(1))
                .until(() -> cgroupKey(shell, "forkbomb", "pids.events", "max") > 0);
        long bombs = Long.parseLong(output(shell, "cat " + SERVICES_SLICE + "/forkbomb.service/pids.current"));
        assertTrue(bombs <= 32, "pids.current " + bombs);
        assertEquals("answering", output(shell, "echo answering"));
        output(shell, "dynamodctl stop forkbomb >/dev/null; echo stopped");
        await("the fork bomb's group gone").atMost(STATE_TIMEOUT).pollInterval(Duration.ofSeconds(1))
                .until(() -> !exists(shell, SERVICES_SLICE + "/forkbomb.service"));

        // cpu-max 10%: throttled; a reload raises it live (same process), then it is stopped.
        assertEquals("10000 100000", output(shell, "cat " + SERVICES_SLICE + "/cpuhog.service/cpu.max"));
        await("cpuhog throttled").atMost(STATE_TIMEOUT).pollInterval(Duration.ofSeconds(1))
                .until(() -> cgroupKey(shell, "cpuhog", "cpu.stat", "nr_throttled") > 0);
        String hog = value(services, "cpuhog", "pid"), hogGroup = SERVICES_SLICE + "/cpuhog.service";
        output(shell, "sed -i 's/10%/30%/' /etc/dynamod/system/services/cpuhog.toml && dynamodctl reload >/dev/null && echo reloaded");
        await("cpu.max raised live").atMost(STATE_TIMEOUT).pollInterval(Duration.ofSeconds(1))
                .until(() -> output(shell, "cat " + hogGroup + "/cpu.max").equals("30000 100000"));
        // A limit the config accepts and the kernel refuses: pids.max above PID_MAX_LIMIT (4194304 on 64-bit) is EINVAL.
        // cpu.max is written before pids.max: the refusal puts it back, and the service runs on with the old limits.
        int refusedFrom = vm.console().lines().size();
        output(shell, "sed -i 's/30%/50%/' /etc/dynamod/system/services/cpuhog.toml && echo 'pids-max = 5000000' >> /etc/dynamod/system/services/cpuhog.toml"
                + " && dynamodctl reload >/dev/null && echo reloaded");
        vm.console().await(refusedFrom, l -> l.equals("dynamod-svmgr: cpuhog: the reloaded [cgroup] limits are refused: " + hogGroup
                + "/pids.max = \"5000000\": Invalid argument (EINVAL)"), STATE_TIMEOUT, "svmgr refusing cpuhog's pids-max");
        assertEquals("30000 100000 max", output(shell, "echo $(cat " + hogGroup + "/cpu.max " + hogGroup + "/pids.max)"), "the old limits kept");
        Map<String, Map<String, Object>> afterRefusal = services(shell);
        assertEquals(hog, value(afterRefusal, "cpuhog", "pid"), "a limit change is no restart, nor is a refused one");
        assertEquals("running", state(afterRefusal, "cpuhog"));
        output(shell, "dynamodctl stop cpuhog >/dev/null; echo stopped");

        // OOM (once the hogs are stopped: each dynamodctl is a JVM start): the kernel's kill is an event in the
        // service's history, naming the process the kernel killed; the restart policy brought it back.
        // history reads the journal itself (Chronicle Queue's start in a fresh JVM: the slowest dynamodctl under TCG).
        // oomchild: the kill of a child (memory.oom.group 0) is named too; its main process lives on, not restarted.
        await("oomchild's child OOM-killed").atMost(STATE_TIMEOUT).pollInterval(Duration.ofSeconds(1))
                .until(() -> cgroupKey(shell, "oomchild", "memory.events", "oom_kill") > 0);
        GuestShell.Result historyRun = shell.run("dynamodctl history -u oom -u oomchild -n 60 2>/dev/null", STATE_TIMEOUT);
        assertEquals(0, historyRun.exitStatus(), historyRun::text);
        String history = String.join("\n", historyRun.text().lines().filter(l -> l.contains(" oom: ")).toList());
        // The kernel may pick a second victim in the same squeeze (head, still writing into the pipe): tail is one.
        Predicate<String> namesTail = l -> l.contains("out of memory: the kernel killed ") && l.contains("tail, pid ");
        assertTrue(history.lines().anyMatch(namesTail), history);
        assertTrue(history.contains("restart 1"), history);
        String childHistory = String.join("\n", historyRun.text().lines().filter(l -> l.contains(" oomchild: ")).toList());
        assertTrue(childHistory.lines().anyMatch(namesTail), childHistory);
        List<String> started = childHistory.lines().filter(l -> l.matches(".* oomchild: process \\d+ started: .*")).toList();
        assertEquals(1, started.size(), childHistory);
        assertTrue(!childHistory.contains("restart "), childHistory);
        assertEquals(started.getFirst().replaceAll(".* process (\\d+) started: .*", "$1"),
                output(shell, "cat " + SERVICES_SLICE + "/oomchild.service/cgroup.procs"), "the main process lives on, alone in its group");

        // A child that left its process group (setsid) is in the cgroup, and a stop kills it with the group.
        String main = value(services, "daemon", "pid");
        assertEquals("0::/system.slice/daemon.service", output(shell, "cat /proc/" + main + "/cgroup"));
        List<String> pids = output(shell, "cat " + SERVICES_SLICE + "/daemon.service/cgroup.procs").lines().toList();
        assertEquals(2, pids.size(), pids::toString);
        String child = pids.stream().filter(p -> !p.equals(main)).findFirst().orElseThrow();
        assertNotEquals(output(shell, "cut -d' ' -f6 /proc/" + main + "/stat"), output(shell, "cut -d' ' -f6 /proc/" + child + "/stat"),
                "the child has a session of its own");
        String status = output(shell, "dynamodctl status daemon 2>/dev/null");
        assertTrue(status.contains("CGroup: " + SERVICES_SLICE + "/daemon.service") && status.contains("Memory: ")
                && status.contains("Tasks: 2"), status);
        output(shell, "dynamodctl stop daemon >/dev/null; echo stopped");
        await("the daemon's group gone").atMost(STATE_TIMEOUT).pollInterval(Duration.ofSeconds(1))
                .until(() -> !exists(shell, SERVICES_SLICE + "/daemon.service"));
        assertTrue(!exists(shell, "/proc/" + child), "the escaped child is killed");

        // The namespaces, as the confined service saw them (its log), and from outside.
        String log = output(shell, "dynamodctl logs -u confined -b -q 2>/dev/null | grep 'confined '");
        for (String seen : List.of("confined pid=1", "confined host=vmbox", "confined net=lo,", "confined uid-map=0 4242 1",
                "confined tmp=written", "confined usr=read-only", "confined bind-ro=refused: Read-only file system", "confined bind-rw=written")) {
            assertTrue(log.lines().anyMatch(l -> l.endsWith(seen)), () -> seen + " not in\n" + log);
        }
        assertTrue(!exists(shell, "/tmp/vmtest-private"), "the private /tmp is not the host's");
        // The bind mounts, from outside: the writable one's write is in its source; the read-only one has none.
        assertEquals("written by confined", output(shell, "cat " + BIND_SOURCES + "/rw/written"));
        assertTrue(!exists(shell, BIND_SOURCES + "/ro/written"), "a read-only bind mount takes no write");
        assertNotEquals("vmbox", output(shell, "hostname"));
        assertEquals("0::/system.slice/confined.service", output(shell, "cat /proc/" + value(services, "confined", "pid") + "/cgroup"));
    }

    /** One spawn loop's 50 samples, in microseconds. */
    private record SpawnSamples(long median, long min, long max) {
        static SpawnSamples of(List<Long> sorted) {
            return new SpawnSamples(sorted.get(sorted.size() / 2), sorted.getFirst(), sorted.getLast());
        }

        /** {@code KEY median M us, min A us, max B us, +D us over BASE} (the median's difference to base's). */
        String describe(String key, SpawnSamples base, String baseKey) {
            long added = median - base.median;
            return key + " median " + median + " us, min " + min + " us, max " + max + " us"
                    + (base == this ? "" : ", " + (added >= 0 ? "+" : "") + added + " us over " + baseKey);
        }
    }

    private static final String SPAWN_HELPER = "/usr/lib/dynamod/libexec/dynamod-exec";
    /** All loops' 50 rounds in one command: 15 loops of 30-100 ms spawns under TCG, slower when the host is loaded. */
    private static final Duration SPAWN_LOOPS_TIMEOUT = Duration.ofMinutes(5);
    private static final String SPAWN_GROUP = SERVICES_SLICE + "/spawn-bench.service", SPAWN_BIND = "/run/spawn-bench";

    /**
     * One spawn of /bin/true by the helper with these options, as svmgr waits for it: until EOF on the report fd (the
     * execve succeeded), which for pid and user namespaces is the forked service's execve, not the helper's exit. A
     * report other than {@code pid N} is printed as {@code spawn failed: ...}.
     */
    private static String spawn(String options) {
        return SPAWN_HELPER + " --report-fd 3 " + options + (options.isEmpty() ? "" : " ") + "-- /bin/true true 3>&1 >/dev/null"
                + " | while read -r report; do case $report in 'pid '*) ;; *) echo \"spawn failed: $report\";; esac; done";
    }

    /** plain, the join into a group that exists, and a new group each time (the loops that favordynmods may change). */
    private static Map<String, String> cgroupLoops() {
        Map<String, String> loops = new LinkedHashMap<>();
        loops.put("plain", spawn(""));
        // mkdir and rmdir are two more busybox processes: an upper bound of what svmgr, which does them in-process, adds.
        loops.put("join", "[ -d " + SPAWN_GROUP + " ] || mkdir " + SPAWN_GROUP + "; " + spawn("--cgroup " + SPAWN_GROUP));
        loops.put("new-group", "rmdir " + SPAWN_GROUP + " 2>/dev/null; mkdir " + SPAWN_GROUP + "; echo 33554432 > " + SPAWN_GROUP
                + "/memory.max; echo 32 > " + SPAWN_GROUP + "/pids.max; " + spawn("--cgroup " + SPAWN_GROUP) + "; rmdir " + SPAWN_GROUP);
        return loops;
    }

    /** plain, each isolation option of the helper alone (bench's SpawnBench's set), all of them together. */
    private static Map<String, String> isolationLoops() {
        String bind = "--bind " + SPAWN_BIND + "/source " + SPAWN_BIND + "/target";
        Map<String, String> loops = new LinkedHashMap<>();
        loops.put("plain", spawn(""));
        for (String ns : List.of("pid", "mnt", "net")) loops.put(ns, spawn("--unshare " + ns));
        loops.put("uts-hostname", spawn("--unshare uts --hostname bench"));
        loops.put("ipc", spawn("--unshare ipc"));
        loops.put("user", spawn("--unshare user")); // the maps 0 0 1 (root's own ids), written from outside
        loops.put("cgroup-ns", spawn("--unshare cgroup"));
        loops.put("private-tmp", spawn("--private-tmp"));
        loops.put("protect-system-strict", spawn("--protect-system strict"));
        loops.put("protect-system-full", spawn("--protect-system full"));
        loops.put("bind-ro", spawn(bind));
        loops.put("no-new-privs", spawn("--no-new-privs"));
        loops.put("cap-bound", spawn("--cap-bound 10")); // CAP_NET_BIND_SERVICE kept, every other one dropped
        loops.put("all", spawn("--unshare pid,mnt,net,uts,ipc,user,cgroup --hostname bench --private-tmp --protect-system strict "
                + bind + " --no-new-privs --cap-bound 10"));
        return loops;
    }

    /** The cgroup2 mount's options, as /proc/mounts says. */
    private static String cgroupMountOptions(GuestShell shell) throws Exception {
        return output(shell, "awk '$3 == \"cgroup2\" {print $4}' /proc/mounts");
    }

    /**
     * Spawn latency in the guest (the issue's "with and without each isolation feature, median of 50 in the VM"): the
     * exec helper spawning /bin/true from the guest shell, 50 times per loop: plain, each isolation option alone, all
     * together; then plain, joining a cgroup (--cgroup) and into a fresh cgroup each time (mkdir, memory.max and
     * pids.max written, --cgroup, rmdir), with cgroup2's favordynmods as init mounted it and toggled by a remount, twice
     * each. Timed by busybox ts (microseconds, a line before and after each spawn); median, min, max and the median's
     * difference to its block's plain go to spawn.txt in the run's directory — measured, not asserted.
     */
    private static void measureSpawnLatency(GuestShell shell, Path runDir) throws Exception {
        output(shell, "mkdir -p " + SPAWN_BIND + "/source " + SPAWN_BIND + "/target && echo ready");
        String mounted = cgroupMountOptions(shell);
        StringBuilder report = new StringBuilder("cgroup2 mounted " + mounted + "\n");
        report.append(spawnLoops(shell, isolationLoops(), ""));
        Files.writeString(runDir.resolve("spawn.txt"), report.toString());

        // favordynmods: a remount sets cgroup2's flags to what it is given (nsdelegate too, nosuid, ...): all of init's
        // options, with favordynmods added or taken out; then init's own options again. Twice each, alternating, so that
        // a drift of the host's load shows as a difference between the rounds, not between the two.
        List<String> options = List.of(mounted.split(","));
        boolean favoring = options.contains("favordynmods");
        String toggled = String.join(",", favoring ? options.stream().filter(o -> !o.equals("favordynmods")).toList()
                : Stream.concat(options.stream(), Stream.of("favordynmods")).toList());
        String remount = "mount -t cgroup2 -o remount,%s cgroup2 /sys/fs/cgroup && echo remounted";
        for (int round = 1; round <= 2; round++) {
            for (String state : List.of(mounted, toggled)) {
                output(shell, remount.formatted(state));
                assertEquals(new TreeSet<>(List.of(state.split(","))), new TreeSet<>(List.of(cgroupMountOptions(shell).split(","))),
                        "cgroup2 remounted " + state);
                boolean on = List.of(state.split(",")).contains("favordynmods");
                report.append("round ").append(round).append(", cgroup2 ").append(state).append('\n')
                        .append(spawnLoops(shell, cgroupLoops(), (on ? "-favordynmods-" : "-no-favordynmods-") + round));
                Files.writeString(runDir.resolve("spawn.txt"), report.toString());
            }
        }
        output(shell, remount.formatted(mounted));
        assertEquals(mounted, cgroupMountOptions(shell), "cgroup2 remounted as init mounted it");
        System.out.print("guest spawn latency (dynamod-exec /bin/true to its execve, 50 each):\n" + report);
    }

    /**
     * The loops, interleaved: 50 rounds in one shell command, each round running every loop's command once, so that a
     * drift of the guest's speed (TCG under the host's load) weighs on every loop alike; each spawn timed by busybox ts
     * (the time between the {@code start} line before it and the loop's key after it). The first loop is the plain one
     * the others are compared with. Returns spawn.txt's lines, the keys with the suffix.
     */
    private static String spawnLoops(GuestShell shell, Map<String, String> loops, String suffix) throws Exception {
        StringBuilder round = new StringBuilder();
        for (var loop : loops.entrySet()) round.append("echo start; ").append(loop.getValue()).append("; echo ").append(loop.getKey()).append("; ");
        GuestShell.Result run = shell.run("for i in $(seq 50); do " + round + "done | ts -i '%.S' | grep -v ' start$'", SPAWN_LOOPS_TIMEOUT);
        assertEquals(0, run.exitStatus(), run::text);
        assertTrue(run.text().lines().noneMatch(l -> l.contains("spawn failed")), run::text);
        Map<String, List<Long>> micros = new LinkedHashMap<>();
        for (String key : loops.keySet()) micros.put(key, new ArrayList<>());
        for (String line : run.text().strip().lines().toList()) {
            String[] timeAndKey = line.split(" ", 2);
            List<Long> samples = timeAndKey.length == 2 ? micros.get(timeAndKey[1]) : null;
            assertNotNull(samples, () -> "not a spawn's time: " + line + "\n" + run.text());
            samples.add(Math.round(Double.parseDouble(timeAndKey[0]) * 1e6));
        }
        StringBuilder lines = new StringBuilder();
        SpawnSamples plain = null;
        String plainKey = null;
        for (var loop : micros.entrySet()) {
            assertEquals(50, loop.getValue().size(), () -> loop.getKey() + ": " + run.text());
            String key = loop.getKey() + suffix;
            SpawnSamples samples = SpawnSamples.of(loop.getValue().stream().sorted().toList());
            if (plain == null) {
                plain = samples;
                plainKey = key;
            }
            lines.append(samples.describe(key, plain, plainKey)).append('\n');
        }
        return lines.toString();
    }

    @Test
    void aMissingRootDeviceSaysWhyAndOpensTheEmergencyShellOnTheConsole() throws Exception {
        String missing = "UUID=00000000-0000-4000-8000-000000000000";
        try (Vm vm = Vm.start(VmSpec.of(image).withDisk(image.rootDisk(), missing), runDir("no-root"))) {
            LineLog.Line why = vm.console().await(0, l -> l.startsWith("dynamod-init: EMERGENCY SHELL: cannot boot the real root: no block device matches root="),
                    BOOT_TIMEOUT, "the emergency shell's reason");
            assertTrue(why.text().contains("vda"), () -> "the reason names the devices there are: " + why.text());
            vm.console().await(why.index(), l -> l.contains("emergency shell") && l.contains("leave it with 'exit'"), STATE_TIMEOUT, "the shell started");
            // The shell reads the console: a command typed there runs (its output comes after its own echo).
            vm.typeOnConsole("echo emergency-$((6 * 7))\n");
            vm.console().await(why.index(), l -> l.equals("emergency-42") || l.endsWith("# emergency-42"), STATE_TIMEOUT, "the command's output");
            assertTrue(vm.console().find(why.index(), l -> l.startsWith("(dynamod emergency) #")).isPresent(),
                    () -> "no prompt on the console:\n" + vm.console().tail(20));
            vm.typeOnConsole("poweroff -f\n");
            VmResult result = vm.awaitExit();
            assertTrue(result.poweredOff(), result::describe);
        }
    }
}
