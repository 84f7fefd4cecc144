package dynamod.init;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

/**
 * The messages between init and svmgr over their socketpair (SOCK_SEQPACKET: one message per packet, fds ride along
 * as SCM_RIGHTS). A message is one line of space-separated words: a verb and its arguments; names never contain
 * spaces (service names are checked at load).
 *
 * <p>svmgr → init: {@code HEARTBEAT}; {@code STORE name} with one fd (keep it across svmgr restarts);
 * {@code DROP name}; {@code ACK seq} (a report is in the journal); {@code DONE kind} (everything is stopped: init
 * may exit, power off, reboot or halt).
 *
 * <p>init → svmgr: reports, each with a sequence number that svmgr acknowledges once it has journaled it — until
 * then init keeps it and sends it again to the next svmgr, so a crash of svmgr between receiving and recording loses
 * nothing: {@code EXITED seq pid code signal core} (an adopted process init reaped),
 * {@code MANAGER-EXITED seq pid code signal core restartDelayMillis} and {@code MANAGER-HUNG seq pid silentMillis}
 * (what happened to the previous svmgr). And: {@code FD name} with the fd stored under that name; {@code SYNC}
 * (everything init held back has been sent); {@code SHUTDOWN kind} (init was asked to stop).
 */
public record InitMessage(String verb, List<String> args) {

    public static final int MAX_BYTES = 4096;

    public static final String HEARTBEAT = "HEARTBEAT", STORE = "STORE", DROP = "DROP", ACK = "ACK", DONE = "DONE";
    public static final String EXITED = "EXITED", FD = "FD", MANAGER_EXITED = "MANAGER-EXITED",
            MANAGER_HUNG = "MANAGER-HUNG", SYNC = "SYNC", SHUTDOWN = "SHUTDOWN";

    public InitMessage {
        args = List.copyOf(args);
    }

    public static InitMessage of(String verb, Object... args) {
        return new InitMessage(verb, Arrays.stream(args).map(String::valueOf).toList());
    }

    public String arg(int i) {
        if (i >= args.size()) throw new IllegalArgumentException(verb + ": missing argument " + (i + 1));
        return args.get(i);
    }

    public int intArg(int i) {
        try {
            return Integer.parseInt(arg(i));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(verb + ": argument " + (i + 1) + " is not a number: " + arg(i));
        }
    }

    public long longArg(int i) {
        try {
            return Long.parseLong(arg(i));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(verb + ": argument " + (i + 1) + " is not a number: " + arg(i));
        }
    }

    /** Reports carry a sequence number as their first argument and wait for svmgr's ACK. */
    public boolean isReport() {
        return verb.equals(EXITED) || verb.equals(MANAGER_EXITED) || verb.equals(MANAGER_HUNG);
    }

    public byte[] encode() {
        return toString().getBytes(StandardCharsets.UTF_8);
    }

    /** Parses one packet; a malformed one is an IllegalArgumentException (the reader logs it and goes on). */
    public static InitMessage decode(byte[] data, int length) {
        String text = new String(data, 0, length, StandardCharsets.UTF_8).strip();
        if (text.isEmpty()) throw new IllegalArgumentException("empty message");
        String[] words = text.split(" ");
        return new InitMessage(words[0], Arrays.asList(words).subList(1, words.length));
    }

    @Override
    public String toString() {
        return args.isEmpty() ? verb : verb + " " + String.join(" ", args);
    }
}
