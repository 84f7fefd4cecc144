package dynamod.svmgr.runtime;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dynamod.journal.event.ServiceEvent.ServiceExited;
import dynamod.journal.event.ServiceEvent.ServiceSpawned;
import dynamod.journal.event.SupervisorEvent;
import dynamod.journal.event.SupervisorEvent.Escalated;
import dynamod.journal.event.SupervisorEvent.GaveUp;
import dynamod.journal.event.SupervisorEvent.IntensityExceeded;
import dynamod.journal.event.SupervisorEvent.SupervisorRestarted;
import dynamod.journal.event.SystemEvent.ShutdownFinished;
import dynamod.journal.event.SystemEvent.ShutdownRequested;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Restart intensity with real crashing processes: a supervisor over its intensity escalates to its parent, which
 * restarts it; the root over its intensity gives up as its give-up policy says.
 */
class IntensityE2ETest {

    @TempDir
    Path dir;

    /** A service under {@code supervisor} that exits 1 at once while {@code crashFile} exists, else runs. */
    private static String crasher(String supervisor, Path crashFile) {
        return "supervisor = \"" + supervisor + "\"\n"
                + EndToEnd.sh("if [ -e " + crashFile + " ]; then exit 1; fi; exec sleep 600")
                + "[restart]\ndelay = \"0s\"\nmax-restarts = 1000\n";
    }

    @Test
    void aSupervisorOverItsIntensityEscalatesAndItsParentRestartsIt() throws Exception {
        Path config = HostTree.config(dir);
        Path counter = dir.resolve("runs");
        HostTree.supervisor(config, "flaky", "[restart]\nmax-restarts = 2\nmax-restart-window = \"1m\"\n");
        // Crashes in its first three runs: two restarts are within flaky's intensity, the third is not.
        HostTree.service(config, "crasher", "supervisor = \"flaky\"\n"
                + EndToEnd.sh("n=$(cat " + counter + " 2>/dev/null || echo 0); n=$((n+1)); echo $n > " + counter
                        + "; if [ $n -le 3 ]; then exit 1; fi; exec sleep 600")
                + "[restart]\ndelay = \"0s\"\nmax-restarts = 1000\n");
        HostTree.service(config, "buddy", "supervisor = \"flaky\"\n" + EndToEnd.sleeper());
        HostTree.service(config, "bystander", EndToEnd.sleeper());
        try (HostTree tree = HostTree.start(dir)) {
            // A crashing run is "running" for a moment too (no readiness): wait for the fourth run, the one that stays.
            await().atMost(java.time.Duration.ofSeconds(60)).until(() -> Files.exists(counter)
                    && Files.readString(counter).strip().equals("4") && tree.stateOf("crasher").equals("running"));
            tree.awaitState("buddy", "running");
            tree.awaitState("bystander", "running");
            assertEquals("4", Files.readString(counter).strip(), "three crashes, then the fourth run stays up");

            List<SupervisorEvent> sup = tree.events(SupervisorEvent.class);
            List<IntensityExceeded> exceeded = sup.stream().filter(e -> e instanceof IntensityExceeded).map(e -> (IntensityExceeded) e).toList();
            assertEquals(1, exceeded.size(), sup::toString);
            assertEquals("flaky", exceeded.getFirst().supervisor());
            assertEquals(3, exceeded.getFirst().restarts());
            assertEquals(2, exceeded.getFirst().maxRestarts());
            int ex = EndToEnd.indexOf(sup, e -> e instanceof IntensityExceeded);
            int esc = EndToEnd.indexOf(sup, e -> e instanceof Escalated x && x.supervisor().equals("flaky") && x.parent().equals("root"));
            int restarted = EndToEnd.indexOf(sup, e -> e instanceof SupervisorRestarted x && x.supervisor().equals("flaky"));
            assertTrue(ex >= 0 && ex < esc && esc < restarted, "exceeded, escalated, then restarted by root: " + sup);
            assertTrue(sup.stream().noneMatch(e -> e instanceof GaveUp), "root stays within its intensity");

            // The escalation stopped flaky's whole subtree: buddy ran twice; bystander (root's own child) once.
            assertEquals(2, EndToEnd.serviceEvents(tree, "buddy").stream().filter(e -> e instanceof ServiceSpawned).count());
            assertEquals(1, EndToEnd.serviceEvents(tree, "bystander").stream().filter(e -> e instanceof ServiceSpawned).count());
            assertEquals(4, EndToEnd.serviceEvents(tree, "crasher").stream().filter(e -> e instanceof ServiceSpawned).count());
            assertEquals(3, EndToEnd.serviceEvents(tree, "crasher").stream()
                    .filter(e -> e instanceof ServiceExited x && x.status().code() == 1).count());
            @SuppressWarnings("unchecked")
            Map<String, Object> flaky = ((List<Map<String, Object>>) ((Map<String, Object>) tree.call("tree").get("tree")).get("children"))
                    .stream().filter(c -> "flaky".equals(c.get("name"))).findFirst().orElseThrow();
            assertEquals("active", flaky.get("status"), flaky::toString);
        }
    }

    @Test
    void theRootOverItsIntensityGivesUpAndStopsEverythingUntilStarted() throws Exception {
        Path config = HostTree.config(dir);
        Path crash = Files.createFile(dir.resolve("crash"));
        HostTree.supervisor(config, "root", "give-up = \"stop\"\n[restart]\nmax-restarts = 1\nmax-restart-window = \"10m\"\n");
        HostTree.supervisor(config, "flaky", "[restart]\nmax-restarts = 1\nmax-restart-window = \"10m\"\n");
        HostTree.service(config, "crasher", crasher("flaky", crash));
        HostTree.service(config, "bystander", EndToEnd.sleeper());
        try (HostTree tree = HostTree.start(dir)) {
            await().atMost(Duration.ofSeconds(30)).until(() -> !tree.events(GaveUp.class).isEmpty());
            tree.awaitState("bystander", "blocked");
            tree.awaitState("crasher", "blocked");
            assertEquals("root", tree.status("bystander").get("cause"));
            GaveUp gaveUp = tree.events(GaveUp.class).getFirst();
            assertEquals("root", gaveUp.supervisor());
            assertEquals("stop", gaveUp.policy());
            // flaky escalated twice: root restarted it once (within its intensity of 1), the second time was too many.
            assertEquals(2, tree.events(Escalated.class).stream().filter(e -> e.supervisor().equals("flaky")).count());
            List<IntensityExceeded> exceeded = tree.events(IntensityExceeded.class);
            assertEquals(List.of("flaky", "flaky", "root"), exceeded.stream().map(IntensityExceeded::supervisor).toList());
            int bystander = ((Number) EndToEnd.serviceEvents(tree, "bystander").stream().filter(e -> e instanceof ServiceSpawned)
                    .map(e -> ((ServiceSpawned) e).pid()).findFirst().orElseThrow()).intValue();
            assertFalse(EndToEnd.alive(bystander), "the give-up stopped root's other children too");

            // Stays down: nothing restarts by itself, and a single service cannot be started.
            await().during(Duration.ofMillis(700)).atMost(Duration.ofSeconds(5)).until(() -> "blocked".equals(tree.stateOf("bystander")));
            Map<String, Object> refused = tree.call("start", "service", "bystander");
            assertEquals(false, refused.get("ok"), refused::toString);
            assertTrue(String.valueOf(refused.get("error")).contains("start root"), refused::toString);

            Files.delete(crash);
            Map<String, Object> started = tree.call("start", "service", "root");
            assertEquals(true, started.get("ok"), started::toString);
            tree.awaitState("bystander", "running");
            tree.awaitState("crasher", "running");
            assertNotEquals(bystander, tree.pidOf("bystander"));
            assertTrue(tree.events(SupervisorRestarted.class).stream().anyMatch(e -> e.supervisor().equals("root")));
        }
    }

    @Test
    void theRootWithGiveUpRestartStartsEverythingAgainAfterItsDelay() throws Exception {
        Path config = HostTree.config(dir);
        Path crash = Files.createFile(dir.resolve("crash"));
        HostTree.supervisor(config, "root", "give-up = \"restart\"\ngive-up-delay = \"1s\"\n[restart]\nmax-restarts = 2\nmax-restart-window = \"10m\"\n");
        HostTree.service(config, "crasher", crasher("root", crash));
        HostTree.service(config, "bystander", EndToEnd.sleeper());
        try (HostTree tree = HostTree.start(dir)) {
            await().atMost(Duration.ofSeconds(30)).until(() -> !tree.events(GaveUp.class).isEmpty());
            assertEquals("restart", tree.events(GaveUp.class).getFirst().policy());
            Files.delete(crash);
            // No operator: after give-up-delay root starts its tree again.
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                assertEquals("running", tree.stateOf("crasher"));
                assertEquals("running", tree.stateOf("bystander"));
            });
            assertTrue(tree.events(SupervisorRestarted.class).stream().anyMatch(e -> e.supervisor().equals("root")));
            assertEquals(2, EndToEnd.serviceEvents(tree, "bystander").stream().filter(e -> e instanceof ServiceSpawned).count(),
                    "bystander was stopped by the give-up and started again");
        }
    }

    @Test
    void theRootWithGiveUpPoweroffShutsTheHostTreeDown() throws Exception {
        Path config = HostTree.config(dir);
        Path crash = Files.createFile(dir.resolve("crash"));
        HostTree.supervisor(config, "root", "give-up = \"poweroff\"\n[restart]\nmax-restarts = 2\nmax-restart-window = \"10m\"\n");
        HostTree.service(config, "crasher", crasher("root", crash));
        HostTree.service(config, "bystander", EndToEnd.sleeper());
        try (HostTree tree = HostTree.start(dir)) {
            // In host mode poweroff means: stop everything and exit.
            assertEquals(0, tree.awaitExit(Duration.ofSeconds(60)), tree::log);
            assertEquals("poweroff", tree.events(GaveUp.class).getFirst().policy());
            ShutdownRequested requested = tree.events(ShutdownRequested.class).getFirst();
            assertEquals("poweroff", requested.kind());
            assertTrue(requested.requestedBy().contains("gave up"), requested::toString);
            assertEquals("poweroff", tree.events(ShutdownFinished.class).getFirst().kind());
            int bystander = EndToEnd.serviceEvents(tree, "bystander").stream().filter(e -> e instanceof ServiceSpawned)
                    .map(e -> ((ServiceSpawned) e).pid()).findFirst().orElseThrow();
            assertFalse(EndToEnd.alive(bystander));
        }
    }
}
