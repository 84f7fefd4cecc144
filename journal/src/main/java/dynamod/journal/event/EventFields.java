package dynamod.journal.event;

import java.lang.reflect.RecordComponent;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * An event's fields by name, in declaration order, as plain values (strings, numbers, booleans, lists, maps, null):
 * what tools print and turn into JSON, without knowing every event type.
 */
public final class EventFields {

    private EventFields() {}

    public static Map<String, Object> of(Event event) {
        return of((Record) event); // every event is a record: the sealed hierarchy ends in records only
    }

    public static Map<String, Object> of(Record record) {
        Map<String, Object> fields = new LinkedHashMap<>();
        for (RecordComponent component : record.getClass().getRecordComponents()) {
            try {
                fields.put(component.getName(), plain(component.getAccessor().invoke(record)));
            } catch (ReflectiveOperationException e) {
                fields.put(component.getName(), "<" + e + ">");
            }
        }
        return fields;
    }

    private static Object plain(Object value) {
        return switch (value) {
            case null -> null;
            case Optional<?> optional -> optional.map(EventFields::plain).orElse(null);
            case List<?> list -> {
                List<Object> items = new ArrayList<>();
                for (Object item : list) items.add(plain(item));
                yield items;
            }
            case byte[] bytes -> text(bytes);
            case Enum<?> e -> e.name();
            case Record r -> of(r);
            default -> value;
        };
    }

    /** Bytes as text when they are UTF-8 (log lines nearly always are), else as base64 with a marker. */
    public static String text(byte[] bytes) {
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            return "base64:" + Base64.getEncoder().encodeToString(bytes);
        }
    }
}
