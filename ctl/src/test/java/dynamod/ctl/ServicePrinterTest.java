package dynamod.ctl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dynamod.ctl.out.ServicePrinter;
import dynamod.ctl.out.Style;
import dynamod.journal.text.JsonParser;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** list, status and tree as text, from responses such as svmgr's Views send. */
class ServicePrinterTest {

    private static final Instant NOW = Instant.parse("2026-12-01T10:05:30Z");
    private static final ServicePrinter PLAIN = new ServicePrinter(new Style(false, true), NOW, ZoneOffset.UTC);
    private static final ServicePrinter COLOUR = new ServicePrinter(new Style(true, true), NOW, ZoneOffset.UTC);

    @SuppressWarnings("unchecked")
    private static Map<String, Object> json(String text) {
        return (Map<String, Object>) JsonParser.parse(text);
    }

    private static final Map<String, Object> WEB = json("""
            {"name":"web","state":"running","activeState":"active","since":"2026-12-01T10:02:28Z","pid":4242,"supervisor":"root",
             "restarts":2,"reason":"ready (notify)","cause":null,"wanted":true,"removed":false,"description":"The web server",
             "unit":"web.service","type":"notify","readiness":"notify, timeout 30s","ready":{"detector":"notify","afterMicros":1204000},
             "restartLimit":5,"restartWindow":"1m","exec":["/usr/bin/web"],"origin":"/etc/dynamod/services/web.toml",
             "statusText":"serving 3 sites","lastExit":null,"attempt":3,"failure":null,"forkerPid":0}""");

    private static final Map<String, Object> DB = json("""
            {"name":"db","state":"failed","activeState":"failed","since":"2026-12-01T08:05:00Z","pid":0,"supervisor":"storage",
             "restarts":5,"reason":"exited 3; gave up after 5 restarts","cause":null,"unit":"db.service","type":"simple",
             "readiness":"immediate","ready":null,"restartLimit":5,"restartWindow":"1m","origin":"/etc/dynamod/services/db.toml",
             "lastExit":{"code":3,"signal":null,"coreDumped":false,"text":"exited 3","at":"2026-12-01T10:05:00Z"},"attempt":6,"forkerPid":0}""");

    private static final Map<String, Object> API = json("""
            {"name":"api","state":"blocked","activeState":"inactive","since":"2026-12-01T10:05:00Z","pid":0,"supervisor":"root",
             "restarts":0,"reason":"blocked: requires db","cause":"db"}""");

    @Test
    void listIsATableWithAColumnPerField() {
        String text = PLAIN.list(List.of(WEB, DB, API));
        assertEquals("""
                SERVICE  STATE     SUB      SINCE                 PID  SUPERVISOR  RESTARTS  WHY
                web      active    running  2026-12-01 10:02:28  4242  root               2  ready (notify)
                db       failed    failed   2026-12-01 08:05:00     -  storage            5  exited 3; gave up after 5 restarts
                api      inactive  blocked  2026-12-01 10:05:00     -  root               0  blocked: requires db
                """, text);
    }

    @Test
    void statusIsABlockLikeSystemctls() {
        assertEquals("""
                ● web.service - The web server
                     Loaded: /etc/dynamod/services/web.toml
                     Active: active (running) since Tue 2026-12-01 10:02:28 UTC; 3min 2s ago
                     Reason: ready (notify)
                   Main PID: 4242
                       Type: notify
                  Readiness: notify, timeout 30s; ready after 1.204s (notify)
                   Restarts: 2 of 5 within 1m (attempt 3)
                     Status: "serving 3 sites"
                 Supervisor: root
                """, PLAIN.status(WEB));
        assertEquals("""
                ● db.service
                     Loaded: /etc/dynamod/services/db.toml
                     Active: failed (failed) since Tue 2026-12-01 08:05:00 UTC; 2h ago
                     Reason: exited 3; gave up after 5 restarts
                       Type: simple
                  Readiness: immediate
                   Restarts: 5 of 5 within 1m (attempt 6)
                  Last exit: exited 3 at Tue 2026-12-01 10:05:00 UTC; 30s ago
                 Supervisor: storage
                """, PLAIN.status(DB));
    }

    @Test
    void aCgroupAndMemoryAreShownOnlyWhenTheManagerSendsThem() {
        assertFalse(PLAIN.status(WEB).contains("CGroup") || PLAIN.status(WEB).contains("Memory"));
        Map<String, Object> withCgroup = new java.util.LinkedHashMap<>(WEB);
        Map<String, Object> cgroup = new java.util.LinkedHashMap<>();
        cgroup.put("path", "/sys/fs/cgroup/system.slice/web.service");
        cgroup.put("memoryCurrent", 12L << 20);
        cgroup.put("tasks", 3L);
        cgroup.put("cpuUsageMicros", 1_204_000L);
        withCgroup.put("cgroup", cgroup);
        String text = PLAIN.status(withCgroup);
        assertTrue(text.contains("     CGroup: /sys/fs/cgroup/system.slice/web.service\n"), text);
        assertTrue(text.contains("      Tasks: 3\n"), text);
        assertTrue(text.contains("     Memory: 12.0M\n"), text);
        assertTrue(text.contains("        CPU: 1.204s\n"), text);
        // A stopped service's group is gone: its path, no values.
        cgroup.put("memoryCurrent", null);
        cgroup.put("tasks", null);
        cgroup.put("cpuUsageMicros", null);
        String stopped = PLAIN.status(withCgroup);
        assertTrue(stopped.contains("CGroup:") && !stopped.contains("Memory:") && !stopped.contains("Tasks:"), stopped);
    }

    @Test
    void coloursFollowTheActiveState() {
        String web = COLOUR.status(WEB);
        assertTrue(web.startsWith("\u001b[32m●\u001b[0m web.service"), web);
        assertTrue(web.contains("Active: \u001b[32mactive (running)\u001b[0m since"), web);
        String db = COLOUR.status(DB);
        assertTrue(db.startsWith("\u001b[1;31m●\u001b[0m db.service"), db);
        assertTrue(db.contains("Last exit: \u001b[1;31mexited 3\u001b[0m at"), db);
        String list = COLOUR.list(List.of(API));
        assertTrue(list.contains("\u001b[1;31mblocked\u001b[0m"), list);
        assertFalse(PLAIN.list(List.of(WEB, DB, API)).contains("\u001b"));
        assertFalse(PLAIN.status(DB).contains("\u001b"));
    }

    @Test
    void withoutUnicodeTheBulletIsAnAsterisk() {
        ServicePrinter ascii = new ServicePrinter(new Style(false, false), NOW, ZoneOffset.UTC);
        assertTrue(ascii.status(WEB).startsWith("* web.service"), ascii.status(WEB));
    }

    @Test
    void treeShowsSupervisorsAndTheirServices() {
        Map<String, Object> tree = json("""
                {"name":"root","kind":"supervisor","strategy":"one-for-one","status":"active","restarts":0,"children":[
                  {"name":"web","kind":"service","state":"running","pid":4242},
                  {"name":"storage","kind":"supervisor","strategy":"rest-for-one","status":"gave-up","restarts":5,"children":[
                    {"name":"db","kind":"service","state":"failed","pid":0}]}]}""");
        assertEquals("""
                root [one-for-one, active]
                ├─ web running (pid 4242)
                └─ storage [rest-for-one, gave-up, 5 restarts]
                   └─ db failed
                """, PLAIN.tree(tree));
        assertEquals("(no configuration loaded)\n", PLAIN.tree(Map.of()));
    }

    @Test
    void agoAndTimeToReadyAreSaidAsSystemdSaysThem() {
        assertEquals("450ms", ServicePrinter.ago(Duration.ofMillis(450)));
        assertEquals("59s", ServicePrinter.ago(Duration.ofSeconds(59)));
        assertEquals("3min 2s", ServicePrinter.ago(Duration.ofSeconds(182)));
        assertEquals("2h", ServicePrinter.ago(Duration.ofSeconds(7205)));
        assertEquals("1 day 2h", ServicePrinter.ago(Duration.ofHours(26)));
        assertEquals("3 days", ServicePrinter.ago(Duration.ofDays(3)));
        assertEquals("850us", ServicePrinter.micros(850));
        assertEquals("12ms", ServicePrinter.micros(12_345));
        assertEquals("1.204s", ServicePrinter.micros(1_204_000));
        assertEquals("2s", ServicePrinter.micros(2_000_000));
    }
}
