package dynamod.svmgr.runtime;

import dynamod.svmgr.core.TimerId;
import java.util.HashMap;
import java.util.Map;
import java.util.PriorityQueue;

/** The core's timers, on the manager's loop thread: a queue by deadline; re-arming an id replaces its deadline. */
final class TimerQueue {

    private record Entry(long at, TimerId id, long generation) {}

    private final PriorityQueue<Entry> queue = new PriorityQueue<>((a, b) -> Long.compare(a.at - b.at, 0));
    private final Map<TimerId, Long> live = new HashMap<>();
    private long generation;

    void start(TimerId id, long at) {
        live.put(id, ++generation);
        queue.add(new Entry(at, id, generation));
    }

    void cancel(TimerId id) {
        live.remove(id);
    }

    /** Nanoseconds until the next live timer, or -1 when none is armed. */
    long nanosUntilNext(long now) {
        dropDead();
        return queue.isEmpty() ? -1 : Math.max(0, queue.peek().at - now);
    }

    /** The next timer due at {@code now}, or null. */
    TimerId pollDue(long now) {
        dropDead();
        if (queue.isEmpty() || queue.peek().at - now > 0) return null;
        Entry e = queue.poll();
        live.remove(e.id);
        return e.id;
    }

    int size() {
        return live.size();
    }

    private void dropDead() {
        while (!queue.isEmpty()) {
            Entry e = queue.peek();
            Long g = live.get(e.id);
            if (g != null && g == e.generation) return;
            queue.poll();
        }
    }
}
