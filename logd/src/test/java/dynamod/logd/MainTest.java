package dynamod.logd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dynamod.journal.JournalOptions;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class MainTest {

    @Test
    void logdJournalsUnderTheBootItIsGivenElseTheKernels() {
        UUID boot = UUID.fromString("0b00700b-0000-4000-8000-000000000002");
        Main.Settings given = Main.parse(new String[] {"--state", "/s", "--boot-id", boot.toString(), "--kmsg", "/dev/kmsg"});
        assertEquals(boot, Main.journalOptions(given).bootId());
        Main.Settings none = Main.parse(new String[] {"--state", "/s"});
        assertEquals(JournalOptions.currentBootId(), Main.journalOptions(none).bootId());
    }

    @Test
    void aBootIdThatIsNoUuidIsRefusedWithTheReason() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Main.parse(new String[] {"--state", "/s", "--boot-id", "yesterday"}));
        assertEquals("--boot-id yesterday: not a UUID", e.getMessage());
    }
}
