package dynamod.logd;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * SIGTERM or SIGINT to logd. Once logd is up, the stop is awaited and everything is closed in order. Before it is
 * up (opening the journal, the index and the kernel's log can take many seconds on a slow machine) a stop would
 * only be seen after all of that, so the supervisor's stop-timeout kills it: instead logd leaves at once. Nothing is
 * lost that a kill would not lose: the journal's writes are in the page cache, and the index is cut back to its
 * committed position and read again on the next start.
 */
final class StopRequest {

    private final CountDownLatch requested = new CountDownLatch(1);
    private final AtomicBoolean up = new AtomicBoolean();
    private final Runnable beforeUp;

    /** {@code beforeUp}: what a stop before {@link #up} does (logd: say so and exit). */
    StopRequest(Runnable beforeUp) {
        this.beforeUp = beforeUp;
    }

    /** Takes SIGTERM and SIGINT from the JVM. */
    static StopRequest onSignals(Runnable beforeUp) {
        StopRequest stop = new StopRequest(beforeUp);
        for (String name : new String[] {"TERM", "INT"}) {
            sun.misc.Signal.handle(new sun.misc.Signal(name), s -> stop.request());
        }
        return stop;
    }

    void request() {
        requested.countDown();
        if (!up.get()) beforeUp.run();
    }

    /** logd is up: a stop from now on is awaited (one that came just before is still seen by {@link #await}). */
    void up() {
        up.set(true);
    }

    void await() throws InterruptedException {
        requested.await();
    }
}
