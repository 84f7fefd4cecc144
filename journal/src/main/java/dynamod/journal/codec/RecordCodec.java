package dynamod.journal.codec;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.reflect.Constructor;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The binary form of a record: its components in declaration order, each as its type says — boolean (1 byte),
 * int and long (zigzag varint), double (8 bytes), String and byte[] (varint length + bytes), enum (its name),
 * Optional (a presence byte + the value), List (varint count + items), nested record (its components). Nothing
 * else is allowed, and that is checked when a codec is first built, not when an event is written.
 *
 * <p>The order of a record's components is its wire format: reordering or retyping them needs a new version of
 * the event (see {@code EventTypes}); the golden-bytes test fails when that is forgotten.
 */
public final class RecordCodec<R extends Record> {

    private static final ConcurrentHashMap<Class<?>, RecordCodec<?>> CODECS = new ConcurrentHashMap<>();

    private final Class<R> type;
    private final List<MethodHandle> accessors;
    private final List<ValueCodec> fields;
    private final MethodHandle constructor;

    @SuppressWarnings("unchecked")
    public static <R extends Record> RecordCodec<R> of(Class<R> type) {
        RecordCodec<?> codec = CODECS.get(type);
        if (codec == null) {
            codec = new RecordCodec<>(type);
            CODECS.putIfAbsent(type, codec);
        }
        return (RecordCodec<R>) codec;
    }

    private RecordCodec(Class<R> type) {
        this.type = type;
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            RecordComponent[] components = type.getRecordComponents();
            List<MethodHandle> accessors = new ArrayList<>();
            List<ValueCodec> fields = new ArrayList<>();
            Class<?>[] parameterTypes = new Class<?>[components.length];
            for (int i = 0; i < components.length; i++) {
                MethodHandle accessor = lookup.unreflect(components[i].getAccessor());
                accessors.add(accessor.asType(java.lang.invoke.MethodType.methodType(Object.class, Record.class)));
                fields.add(codecFor(components[i].getGenericType(), type.getSimpleName() + "." + components[i].getName()));
                parameterTypes[i] = components[i].getType();
            }
            Constructor<R> canonical = type.getDeclaredConstructor(parameterTypes);
            this.accessors = List.copyOf(accessors);
            this.fields = List.copyOf(fields);
            // (Object[]) -> Object: one call per record, no varargs adaptation on the hot path.
            MethodHandle constructor = lookup.unreflectConstructor(canonical);
            this.constructor = constructor.asType(constructor.type().generic()).asSpreader(Object[].class, components.length);
        } catch (ReflectiveOperationException e) {
            throw new IllegalArgumentException("cannot encode " + type.getName() + ": " + e, e);
        }
    }

    public void write(R record, ByteSink out) {
        try {
            for (int i = 0; i < fields.size(); i++) fields.get(i).write((Object) accessors.get(i).invokeExact((Record) record), out);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable e) {
            throw new IllegalStateException("cannot encode " + record, e);
        }
    }

    public R read(ByteSource in) throws DecodeException {
        Object[] values = new Object[fields.size()];
        for (int i = 0; i < values.length; i++) values[i] = fields.get(i).read(in);
        try {
            return type.cast((Object) constructor.invokeExact(values));
        } catch (Throwable e) {
            // A compact constructor refused the values: to this reader, that is damage.
            throw new DecodeException(type.getSimpleName() + " refused its decoded fields: " + e);
        }
    }

    /** One field's encoding. */
    private interface ValueCodec {
        void write(Object value, ByteSink out);

        Object read(ByteSource in) throws DecodeException;
    }

    private static ValueCodec codecFor(Type generic, String where) {
        if (generic instanceof ParameterizedType p) {
            Type raw = p.getRawType();
            Type argument = p.getActualTypeArguments()[0];
            if (raw == Optional.class) return optional(codecFor(argument, where));
            if (raw == List.class) return list(codecFor(argument, where));
            throw new IllegalArgumentException(where + ": " + generic + " cannot be encoded");
        }
        if (!(generic instanceof Class<?> c)) throw new IllegalArgumentException(where + ": " + generic + " cannot be encoded");
        if (c == boolean.class) return simple((v, o) -> o.u8((Boolean) v ? 1 : 0), in -> {
            int b = in.u8();
            if (b > 1) throw new DecodeException("boolean " + b);
            return b == 1;
        });
        if (c == int.class) return simple((v, o) -> o.zigzag((Integer) v), in -> {
            long n = in.zigzag();
            if (n != (int) n) throw new DecodeException("int out of range: " + n);
            return (int) n;
        });
        if (c == long.class) return simple((v, o) -> o.zigzag((Long) v), ByteSource::zigzag);
        if (c == double.class) return simple((v, o) -> o.i64(Double.doubleToRawLongBits((Double) v)), in -> Double.longBitsToDouble(in.i64()));
        if (c == String.class) return simple((v, o) -> o.string((String) v), ByteSource::string);
        if (c == byte[].class) return simple((v, o) -> o.bytes((byte[]) v), ByteSource::bytes);
        if (c.isEnum()) return enumCodec(c);
        if (c.isRecord()) {
            @SuppressWarnings({"unchecked", "rawtypes"})
            RecordCodec<?> nested = RecordCodec.of((Class) c);
            return simple((v, o) -> writeNested(nested, v, o), nested::read);
        }
        throw new IllegalArgumentException(where + ": " + c.getName() + " cannot be encoded");
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static void writeNested(RecordCodec codec, Object value, ByteSink out) {
        codec.write((Record) value, out);
    }

    private interface Writer {
        void write(Object value, ByteSink out);
    }

    private interface Reader {
        Object read(ByteSource in) throws DecodeException;
    }

    private static ValueCodec simple(Writer writer, Reader reader) {
        return new ValueCodec() {
            @Override
            public void write(Object value, ByteSink out) {
                if (value == null) throw new NullPointerException("null field");
                writer.write(value, out);
            }

            @Override
            public Object read(ByteSource in) throws DecodeException {
                return reader.read(in);
            }
        };
    }

    private static ValueCodec optional(ValueCodec element) {
        return new ValueCodec() {
            @Override
            public void write(Object value, ByteSink out) {
                Optional<?> optional = (Optional<?>) value;
                out.u8(optional.isPresent() ? 1 : 0);
                optional.ifPresent(v -> element.write(v, out));
            }

            @Override
            public Object read(ByteSource in) throws DecodeException {
                int present = in.u8();
                if (present > 1) throw new DecodeException("presence byte " + present);
                return present == 1 ? Optional.of(element.read(in)) : Optional.empty();
            }
        };
    }

    private static ValueCodec list(ValueCodec element) {
        return new ValueCodec() {
            @Override
            public void write(Object value, ByteSink out) {
                List<?> list = (List<?>) value;
                out.varint(list.size());
                for (Object item : list) element.write(item, out);
            }

            @Override
            public Object read(ByteSource in) throws DecodeException {
                int count = in.count(1);
                List<Object> items = new ArrayList<>(count);
                for (int i = 0; i < count; i++) items.add(element.read(in));
                return Collections.unmodifiableList(items);
            }
        };
    }

    private static ValueCodec enumCodec(Class<?> type) {
        Object[] constants = type.getEnumConstants();
        return simple((v, o) -> o.string(((Enum<?>) v).name()), in -> {
            String name = in.string();
            for (Object constant : constants) if (((Enum<?>) constant).name().equals(name)) return constant;
            throw new DecodeException("unknown " + type.getSimpleName() + " " + name);
        });
    }
}
