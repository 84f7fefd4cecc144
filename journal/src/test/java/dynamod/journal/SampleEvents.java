package dynamod.journal;

import dynamod.journal.event.Event;
import dynamod.journal.event.EventTypes;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;

/** Random instances of every event type, with the awkward values: empty and non-ASCII strings, extremes. */
final class SampleEvents {

    private SampleEvents() {}

    private static final String[] STRINGS = {"", "web", "a longer string with spaces", "ünïcödé ✓ 😀", "line\nbreak\ttab", "x".repeat(300)};

    static Event random(EventTypes.Type type, Random random) {
        return (Event) instance(type.record(), random);
    }

    static Event random(Random random) {
        List<EventTypes.Type> all = EventTypes.all();
        return random(all.get(random.nextInt(all.size())), random);
    }

    private static Object instance(Class<?> record, Random random) {
        RecordComponent[] components = record.getRecordComponents();
        Object[] values = new Object[components.length];
        Class<?>[] types = new Class<?>[components.length];
        for (int i = 0; i < components.length; i++) {
            values[i] = value(components[i].getGenericType(), random);
            types[i] = components[i].getType();
        }
        try {
            return record.getDeclaredConstructor(types).newInstance(values);
        } catch (ReflectiveOperationException e) {
            throw new AssertionError(record + ": " + e, e);
        }
    }

    private static Object value(Type type, Random random) {
        if (type instanceof ParameterizedType p) {
            Type argument = p.getActualTypeArguments()[0];
            if (p.getRawType() == Optional.class) return random.nextBoolean() ? Optional.empty() : Optional.of(value(argument, random));
            List<Object> list = new ArrayList<>();
            for (int i = random.nextInt(4); i > 0; i--) list.add(value(argument, random));
            return List.copyOf(list);
        }
        Class<?> c = (Class<?>) type;
        if (c == boolean.class) return random.nextBoolean();
        if (c == int.class) return switch (random.nextInt(4)) {
            case 0 -> 0;
            case 1 -> Integer.MIN_VALUE;
            case 2 -> Integer.MAX_VALUE;
            default -> random.nextInt();
        };
        if (c == long.class) return switch (random.nextInt(4)) {
            case 0 -> 0L;
            case 1 -> Long.MIN_VALUE;
            case 2 -> Long.MAX_VALUE;
            default -> random.nextLong();
        };
        if (c == double.class) return random.nextDouble();
        if (c == String.class) return STRINGS[random.nextInt(STRINGS.length)];
        if (c == byte[].class) {
            byte[] bytes = new byte[random.nextInt(200)];
            random.nextBytes(bytes);
            return bytes;
        }
        if (c.isEnum()) return c.getEnumConstants()[random.nextInt(c.getEnumConstants().length)];
        if (c.isRecord()) return instance(c, random);
        throw new AssertionError("no sample for " + c);
    }
}
