package dynamod.journal.event;

/** Operator commands, from dynamodctl or D-Bus: who asked for what, and whether it was done. */
public sealed interface CommandEvent extends Event {

    /** A command was accepted; {@code target} is a service or supervisor name, or empty. */
    record CommandAccepted(String command, String target, int callerUid, int callerPid) implements CommandEvent {}

    /** A command was refused, with the reason the caller was told. */
    record CommandRejected(String command, String target, int callerUid, int callerPid, String reason) implements CommandEvent {}
}
