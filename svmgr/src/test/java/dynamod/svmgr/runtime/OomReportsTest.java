package dynamod.svmgr.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dynamod.journal.event.ServiceEvent.OomVictim;
import dynamod.linux.KmsgRecord;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class OomReportsTest {

    /** As /dev/kmsg gave it on Linux 6.18 (a memcg OOM of `tail /dev/zero` under a 32M limit); 6.1's is the same. */
    private static final String SUMMARY = "6,417,241344347,-;oom-kill:constraint=CONSTRAINT_MEMCG,nodemask=(null),cpuset=/,mems_allowed=0,"
            + "oom_memcg=/system.slice/oom.service,task_memcg=/system.slice/oom.service,task=tail,pid=6476,uid=0\n";

    private static Optional<OomReports.Report> parse(String record) throws KmsgRecord.Malformed {
        byte[] bytes = record.getBytes(StandardCharsets.UTF_8);
        return OomReports.parse(KmsgRecord.parse(bytes, bytes.length));
    }

    private static OomReports.Report report(String cgroup, int pid, String command) {
        return new OomReports.Report(cgroup, new OomVictim(pid, command));
    }

    @Test
    void theKernelsSummaryNamesTheVictimsCgroupPidAndCommand() throws Exception {
        assertEquals(Optional.of(report("/system.slice/oom.service", 6476, "tail")), parse(SUMMARY));
    }

    @Test
    void aGlobalOomNamesTheVictimsOwnCgroupToo() throws Exception {
        // The machine out of memory, not a group: no oom_memcg, but the victim's group is still said.
        assertEquals(Optional.of(report("/system.slice/web.service", 77, "java")),
                parse("6,9,10,-;oom-kill:constraint=CONSTRAINT_NONE,nodemask=(null),cpuset=/,mems_allowed=0,global_oom,"
                        + "task_memcg=/system.slice/web.service,task=java,pid=77,uid=1000\n"));
    }

    @Test
    void aCommandMayHoldCommasAndEscapedBytes() throws Exception {
        assertEquals(Optional.of(report("/system.slice/a.service", 8, "x,pid=1,y\tz")),
                parse("6,1,2,-;oom-kill:constraint=CONSTRAINT_MEMCG,nodemask=(null),cpuset=/,mems_allowed=0,oom_memcg=/system.slice/a.service,"
                        + "task_memcg=/system.slice/a.service,task=x,pid=1,y\\x09z,pid=8,uid=0\n"));
    }

    @Test
    void otherRecordsAreNoReports() throws Exception {
        // The kill line itself comes after the kill is counted, and names no cgroup.
        assertEquals(Optional.empty(), parse("3,418,241344373,-;Memory cgroup out of memory: Killed process 6476 (tail) total-vm:35476kB, "
                + "anon-rss:32640kB, file-rss:1584kB, shmem-rss:0kB, UID:0 pgtables:108kB oom_score_adj:0\n"));
        assertEquals(Optional.empty(), parse("4,339,241343799,-;tail invoked oom-killer: gfp_mask=0xcc0(GFP_KERNEL), order=0, oom_score_adj=0\n"));
        // A write to /dev/kmsg is never facility 0: it cannot pass for the kernel's report.
        assertEquals(Optional.empty(), parse(SUMMARY.replaceFirst("^6,", "14,")));
        assertEquals(Optional.empty(), parse("6,1,2,-;oom-kill:constraint=CONSTRAINT_MEMCG,task_memcg=/a,task=t,pid=,uid=0\n"));
        assertEquals(Optional.empty(), parse("6,1,2,-;oom-kill:constraint=CONSTRAINT_MEMCG,task=t,pid=5,uid=0\n"));
        assertEquals(Optional.empty(), parse("6,1,2,-;oom-kill:constraint=CONSTRAINT_MEMCG,task_memcg=/a,task=t,pid=99999999999,uid=0\n"));
    }

    @Test
    void reportsWaitForTheirOwnGroupAndAreTakenOnce() {
        OomReports reports = new OomReports();
        reports.add(report("/system.slice/a.service", 1, "one"));
        reports.add(report("/system.slice/b.service", 2, "two"));
        reports.add(report("/system.slice/a.service/sub", 3, "three"));
        reports.add(report("/system.slice/ab.service", 4, "four"));
        assertEquals(List.of(new OomVictim(1, "one"), new OomVictim(3, "three")), reports.take("/system.slice/a.service"));
        assertEquals(List.of(), reports.take("/system.slice/a.service"));
        assertEquals(List.of(new OomVictim(2, "two")), reports.take("/system.slice/b.service"));
        reports.forget("/system.slice/ab.service");
        assertEquals(0, reports.waiting());
    }

    @Test
    void atMostLimitReportsWaitTheOldestGoFirst() {
        OomReports reports = new OomReports();
        for (int pid = 1; pid <= OomReports.LIMIT + 5; pid++) reports.add(report("/x", pid, "p"));
        List<OomVictim> kept = reports.take("/x");
        assertEquals(OomReports.LIMIT, kept.size());
        assertEquals(6, kept.getFirst().pid());
        assertEquals(OomReports.LIMIT + 5, kept.getLast().pid());
    }
}
