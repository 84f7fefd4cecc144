package dynamod.svmgr.runtime;

import dynamod.journal.event.ServiceEvent.OomVictim;
import dynamod.linux.KmsgRecord;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;

/**
 * The OOM killer's reports in the kernel's log, kept by cgroup until that group's kills are counted (pure: the
 * records come from {@link KernelOomLog}). For each victim it chooses, the kernel logs one summary line
 * (mm/oom_kill.c {@code dump_oom_summary}, Linux 4.19 on) before it counts the kill in the group's memory.events:
 *
 * <pre>oom-kill:constraint=CONSTRAINT_MEMCG,nodemask=(null),cpuset=/,mems_allowed=0,oom_memcg=/system.slice/oom.service,task_memcg=/system.slice/oom.service,task=tail,pid=1234,uid=0</pre>
 *
 * so once {@code oom_kill} rose, the reports of those kills are there to read. {@code task_memcg} is the victim's
 * cgroup, its path from the root of the hierarchy; {@code task} its comm. Reports read while another group was asked
 * about wait for theirs; at most {@link #LIMIT} wait (the oldest go first), so that a group nobody asks about
 * cannot grow them.
 */
final class OomReports {

    /** Reports kept for groups not asked about yet. */
    static final int LIMIT = 64;

    private static final String SUMMARY = "oom-kill:";

    /** A victim and the cgroup it was in. */
    record Report(String cgroup, OomVictim victim) {}

    private final ArrayDeque<Report> waiting = new ArrayDeque<>();

    /**
     * The report in a record of the kernel's log, if it is one: the kernel's own (facility 0: a write to /dev/kmsg
     * cannot claim it), an {@code oom-kill:} summary with the victim's cgroup, comm and pid.
     */
    static Optional<Report> parse(KmsgRecord record) {
        if (record.facility() != 0) return Optional.empty();
        String text = record.text();
        if (!text.startsWith(SUMMARY)) return Optional.empty();
        // The fields are comma-separated but their values are not escaped: the cgroup path ends where ",task="
        // begins, and the comm (which may hold a comma) ends at the last ",pid=".
        int memcg = text.indexOf(",task_memcg=");
        int task = memcg < 0 ? -1 : text.indexOf(",task=", memcg);
        int pid = task < 0 ? -1 : text.lastIndexOf(",pid=");
        if (pid <= task) return Optional.empty();
        String cgroup = text.substring(memcg + ",task_memcg=".length(), task);
        String command = text.substring(task + ",task=".length(), pid);
        int end = pid + ",pid=".length(), digits = end;
        while (digits < text.length() && Character.isDigit(text.charAt(digits))) digits++;
        if (digits == end || digits - end > 9 || !cgroup.startsWith("/")) return Optional.empty();
        return Optional.of(new Report(cgroup, new OomVictim(Integer.parseInt(text, end, digits, 10), command)));
    }

    /** A report read from the log, waiting for its group to be asked about. */
    void add(Report report) {
        if (waiting.size() == LIMIT) waiting.removeFirst();
        waiting.addLast(report);
    }

    /** The victims reported for {@code cgroup} and the groups under it, in the order they were killed; taken. */
    List<OomVictim> take(String cgroup) {
        List<OomVictim> victims = new ArrayList<>();
        for (Iterator<Report> i = waiting.iterator(); i.hasNext(); ) {
            Report r = i.next();
            if (!within(r.cgroup(), cgroup)) continue;
            victims.add(r.victim());
            i.remove();
        }
        return victims;
    }

    /** Drops what waits for {@code cgroup}: the group is gone, its kills were counted. */
    void forget(String cgroup) {
        take(cgroup);
    }

    int waiting() {
        return waiting.size();
    }

    private static boolean within(String path, String cgroup) {
        return path.equals(cgroup) || path.startsWith(cgroup.endsWith("/") ? cgroup : cgroup + "/");
    }
}
