package dynamod.journal.event;

/** Where a log line came from. */
public enum LogStream {
    STDOUT, STDERR, SYSLOG, NATIVE, KERNEL, MANAGER
}
