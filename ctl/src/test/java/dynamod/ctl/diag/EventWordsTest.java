package dynamod.ctl.diag;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dynamod.journal.event.ServiceEvent.OomVictim;
import dynamod.journal.event.ServiceEvent.ServiceOomKilled;
import java.util.List;
import org.junit.jupiter.api.Test;

class EventWordsTest {

    @Test
    void anOomKillNamesTheVictimsTheKernelNamed() {
        assertEquals("out of memory: the kernel killed 1 process (tail, pid 1234) of its cgroup (1 in all)",
                EventWords.text(new ServiceOomKilled("oom", 1, 1, List.of(new OomVictim(1234, "tail")))));
        assertEquals("out of memory: the kernel killed 3 processes (tail, pid 1234; java, pid 99; 1 not named) of its cgroup (5 in all)",
                EventWords.text(new ServiceOomKilled("oom", 3, 5, List.of(new OomVictim(1234, "tail"), new OomVictim(99, "java")))));
    }

    @Test
    void withoutTheKernelsLogAnOomKillIsCounted() {
        assertEquals("out of memory: the kernel killed 2 processes of its cgroup (2 in all)",
                EventWords.text(new ServiceOomKilled("oom", 2, 2, List.of())));
        assertEquals(List.of("oom"), List.copyOf(EventWords.names(new ServiceOomKilled("oom", 2, 2, List.of()))));
    }
}
