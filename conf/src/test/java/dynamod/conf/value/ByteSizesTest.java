package dynamod.conf.value;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ByteSizesTest {

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "512K | 524288", "512M | 536870912", "2G | 2147483648", "1T | 1099511627776", "1024 | 1024",
        "1.5G | 1610612736", "64MiB | 67108864", "64MB | 67108864", "64 M | 67108864", "64m | 67108864", "0 | 0",
        "1E | 1152921504606846976", "10B | 10"
    })
    void parsesWhatUsersWrite(String text, long bytes) {
        assertEquals(Parsed.ok(new Limit(bytes)), ByteSizes.parse(text));
    }

    @Test
    void maxMeansNoLimit() {
        assertEquals(Parsed.ok(Limit.MAX), ByteSizes.parse("max"));
        assertEquals(Parsed.ok(Limit.MAX), ByteSizes.parse("MAX"));
        assertEquals(Parsed.ok(Limit.MAX), ByteSizes.parse("infinity"));
        assertEquals("max", Limit.MAX.kernelValue());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "64Q | unknown unit", "-5M | negative", "1.5 | whole", "9E | too large", "'' | empty", "M | not a size",
        "64KiBB | unknown unit"
    })
    void rejectsWithAReason(String text, String reason) {
        Parsed.Invalid<Limit> invalid = assertInstanceOf(Parsed.Invalid.class, ByteSizes.parse(text));
        assertTrue(invalid.reason().contains(reason), invalid.reason());
    }

    @Test
    void integersAreBytes() {
        assertEquals(Parsed.ok(new Limit(4096)), ByteSizes.ofBytes(4096));
        assertInstanceOf(Parsed.Invalid.class, ByteSizes.ofBytes(-1));
        assertInstanceOf(Parsed.Invalid.class, ByteSizes.ofBytes(Long.MAX_VALUE));
    }

    @Test
    void formatIsShortestExactAndParsesBack() {
        assertEquals("64M", ByteSizes.format(new Limit(64L << 20)));
        assertEquals("1536K", ByteSizes.format(new Limit(1536L << 10)));
        assertEquals("1000", ByteSizes.format(new Limit(1000)));
        Random random = new Random(3);
        for (int i = 0; i < 10_000; i++) {
            Limit limit = new Limit(random.nextLong(0, Long.MAX_VALUE >> random.nextInt(63)) & ~((1L << random.nextInt(40)) - 1));
            assertEquals(Parsed.ok(limit), ByteSizes.parse(ByteSizes.format(limit)));
        }
    }
}
