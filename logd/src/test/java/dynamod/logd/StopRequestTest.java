package dynamod.logd;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class StopRequestTest {

    @Test
    void aStopBeforeLogdIsUpLeavesAtOnce() throws Exception {
        AtomicInteger left = new AtomicInteger();
        StopRequest stop = new StopRequest(left::incrementAndGet);
        stop.request();
        assertEquals(1, left.get(), "a stop while opening does not wait for the opening to end");
        stop.await(); // and, should the exit not come, the main thread's await does not block either
    }

    @Test
    void aStopOnceUpIsAwaitedForTheOrderlyClose() throws Exception {
        AtomicInteger left = new AtomicInteger();
        StopRequest stop = new StopRequest(left::incrementAndGet);
        stop.up();
        stop.request();
        stop.await();
        assertEquals(0, left.get(), "once up, the stop goes through the closes");
    }
}
