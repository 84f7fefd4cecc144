package dynamod.linux;

import java.lang.foreign.AddressLayout;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.util.List;

/** The FFM plumbing shared by the system-call classes: libc lookups, errno capture, C strings and arrays. */
@SuppressWarnings("restricted") // FFM downcalls: the module is the native boundary, and runs with --enable-native-access
final class Native {

    static final ValueLayout.OfByte BYTE = ValueLayout.JAVA_BYTE;
    static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT;
    static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG;
    static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT;
    static final AddressLayout POINTER = ValueLayout.ADDRESS;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final SymbolLookup LIBC = LINKER.defaultLookup();
    private static final StructLayout CALL_STATE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CALL_STATE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final Linker.Option CAPTURE_ERRNO = Linker.Option.captureCallState("errno");

    /** One errno capture buffer per thread: errno is read right after the call that set it. */
    private static final ThreadLocal<MemorySegment> CALL_STATE_BUFFER =
            ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(CALL_STATE));

    private Native() {}

    /** A libc function that reports failure through errno; the handle takes the errno buffer as its first argument. */
    static MethodHandle errnoFunction(String name, MemoryLayout result, MemoryLayout... args) {
        return LINKER.downcallHandle(symbol(name), FunctionDescriptor.of(result, args), CAPTURE_ERRNO);
    }

    /** As {@link #errnoFunction}, for a variadic function whose first {@code fixedArgs} arguments are fixed. */
    static MethodHandle variadicErrnoFunction(String name, int fixedArgs, MemoryLayout result, MemoryLayout... args) {
        return LINKER.downcallHandle(
                symbol(name), FunctionDescriptor.of(result, args), CAPTURE_ERRNO, Linker.Option.firstVariadicArg(fixedArgs));
    }

    /** A libc function that cannot fail, or returns its error number instead of setting errno. */
    static MethodHandle function(String name, MemoryLayout result, MemoryLayout... args) {
        return LINKER.downcallHandle(symbol(name), FunctionDescriptor.of(result, args));
    }

    /** A libc function without a result that cannot fail. */
    static MethodHandle voidFunction(String name, MemoryLayout... args) {
        return LINKER.downcallHandle(symbol(name), FunctionDescriptor.ofVoid(args));
    }

    /** As {@link #function}, or null when this libc lacks it (the caller reports ENOSYS when it is needed). */
    static MethodHandle optionalFunction(String name, MemoryLayout result, MemoryLayout... args) {
        return LIBC.find(name).map(s -> LINKER.downcallHandle(s, FunctionDescriptor.of(result, args))).orElse(null);
    }

    private static MemorySegment symbol(String name) {
        return LIBC.find(name).orElseThrow(() -> new UnsatisfiedLinkError("libc has no " + name));
    }

    /** A downcall that takes the errno buffer. */
    @FunctionalInterface
    interface Call {
        long invoke(MemorySegment callState) throws Throwable;
    }

    /** Makes the call once: its result, or -errno when it returned -1. */
    static long raw(Call call) {
        MemorySegment state = CALL_STATE_BUFFER.get();
        long result = invoke(call, state);
        return result == -1 ? -(int) ERRNO.get(state, 0L) : result;
    }

    /** Makes the call, again while it fails with EINTR; its result, or a LinuxException. */
    static long call(String name, String subject, Call call) throws LinuxException {
        long result;
        do {
            result = raw(call);
        } while (result == -Errno.EINTR);
        if (result < 0) throw new LinuxException(name, subject, (int) -result);
        return result;
    }

    static long call(String name, Call call) throws LinuxException {
        return call(name, null, call);
    }

    private static long invoke(Call call, MemorySegment state) {
        return invoke(() -> call.invoke(state));
    }

    /** A downcall without the errno buffer. */
    @FunctionalInterface
    interface Invocation<T> {
        T invoke() throws Throwable;
    }

    /** Runs a downcall; invokeExact declares Throwable, which a downcall never throws, so none is checked here. */
    static <T> T invoke(Invocation<T> call) {
        try {
            return call.invoke();
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("native call failed", t);
        }
    }

    /** A NULL-terminated {@code char *[]} of the strings, in UTF-8. */
    static MemorySegment stringArray(Arena arena, List<String> strings) {
        MemorySegment array = arena.allocate(POINTER, strings.size() + 1L);
        for (int i = 0; i < strings.size(); i++) {
            array.setAtIndex(POINTER, i, arena.allocateFrom(strings.get(i)));
        }
        array.setAtIndex(POINTER, strings.size(), MemorySegment.NULL);
        return array;
    }

    /** The NUL-terminated string at a {@code char *} that libc returned. */
    static String string(MemorySegment pointer) {
        return pointer.equals(MemorySegment.NULL) ? null : pointer.reinterpret(Integer.MAX_VALUE).getString(0);
    }
}
