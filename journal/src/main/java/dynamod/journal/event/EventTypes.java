package dynamod.journal.event;

import dynamod.journal.event.CommandEvent.CommandAccepted;
import dynamod.journal.event.CommandEvent.CommandRejected;
import dynamod.journal.event.JournalEvent.JournalDamaged;
import dynamod.journal.event.JournalEvent.JournalPruned;
import dynamod.journal.event.LogEvent.LinesSuppressed;
import dynamod.journal.event.LogEvent.LogLine;
import dynamod.journal.event.NotifyEvent.ErrnoReported;
import dynamod.journal.event.NotifyEvent.MainPidChanged;
import dynamod.journal.event.NotifyEvent.ReadinessTimedOut;
import dynamod.journal.event.NotifyEvent.Reloading;
import dynamod.journal.event.NotifyEvent.ServiceReady;
import dynamod.journal.event.NotifyEvent.StatusText;
import dynamod.journal.event.NotifyEvent.Stopping;
import dynamod.journal.event.NotifyEvent.Watchdog;
import dynamod.journal.event.ServiceEvent.ServiceExited;
import dynamod.journal.event.ServiceEvent.ServiceSignalled;
import dynamod.journal.event.ServiceEvent.ServiceSpawnFailed;
import dynamod.journal.event.ServiceEvent.ServiceSpawnRequested;
import dynamod.journal.event.ServiceEvent.ServiceSpawned;
import dynamod.journal.event.ServiceEvent.ServiceStateChanged;
import dynamod.journal.event.SupervisorEvent.Escalated;
import dynamod.journal.event.SupervisorEvent.GaveUp;
import dynamod.journal.event.SupervisorEvent.IntensityExceeded;
import dynamod.journal.event.SupervisorEvent.RestartScheduled;
import dynamod.journal.event.SupervisorEvent.SupervisorRestarted;
import dynamod.journal.event.SystemEvent.BootStarted;
import dynamod.journal.event.SystemEvent.ConfigurationLoaded;
import dynamod.journal.event.SystemEvent.ManagerRecovered;
import dynamod.journal.event.SystemEvent.ManagerStarted;
import dynamod.journal.event.SystemEvent.ShutdownFinished;
import dynamod.journal.event.SystemEvent.ShutdownProgressed;
import dynamod.journal.event.SystemEvent.ShutdownRequested;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The wire identity of every event type: a type id, never reused, and the version of the record's shape. A
 * record whose fields change gets a new version; a reader skips versions it does not know. Adding an event is its
 * record plus one line here.
 */
public final class EventTypes {

    private EventTypes() {}

    /** One event type as it is written: id, version and the record. */
    public record Type(int id, int version, Class<? extends Event> record) {
        public String name() {
            return record.getSimpleName();
        }
    }

    private static final Map<Class<? extends Event>, Type> BY_RECORD = new LinkedHashMap<>();
    private static final Map<Integer, Type> BY_WIRE = new LinkedHashMap<>();
    private static final Map<Integer, OldVersion> OLD_BY_WIRE = new LinkedHashMap<>();

    static {
        // System 1–19
        add(1, 1, BootStarted.class);
        add(2, 1, ManagerStarted.class);
        add(3, 1, ManagerRecovered.class);
        add(4, 1, ConfigurationLoaded.class);
        add(5, 1, ShutdownRequested.class);
        add(6, 1, ShutdownProgressed.class);
        add(7, 1, ShutdownFinished.class);
        add(8, 1, SystemEvent.ManagerExited.class);
        add(9, 1, SystemEvent.ManagerHung.class);
        // Service lifecycle 20–39
        add(20, 1, ServiceStateChanged.class);
        add(21, 1, ServiceSpawnRequested.class);
        add(22, 1, ServiceSpawned.class);
        add(23, 1, ServiceSpawnFailed.class);
        add(24, 1, ServiceExited.class);
        add(25, 1, ServiceSignalled.class);
        add(26, 1, ServiceEvent.ServiceTargetSet.class);
        add(27, 1, ServiceEvent.ServiceRestartRequested.class);
        add(28, 1, ServiceEvent.ServiceStopCommandStarted.class);
        add(29, 2, ServiceEvent.ServiceOomKilled.class); // 2: victims
        addOld(29, 1, Legacy.ServiceOomKilledV1.class, r -> ((Legacy.ServiceOomKilledV1) r).upgrade());
        // Supervision 40–59
        add(40, 1, RestartScheduled.class);
        add(41, 1, IntensityExceeded.class);
        add(42, 1, Escalated.class);
        add(43, 1, SupervisorRestarted.class);
        add(44, 1, GaveUp.class);
        add(45, 1, SupervisorEvent.GroupRestarting.class);
        add(46, 1, SupervisorEvent.GroupStopped.class);
        // Readiness and sd_notify 60–79
        add(60, 1, ServiceReady.class);
        add(61, 1, ReadinessTimedOut.class);
        add(62, 1, StatusText.class);
        add(63, 1, Reloading.class);
        add(64, 1, Stopping.class);
        add(65, 1, Watchdog.class);
        add(66, 1, MainPidChanged.class);
        add(67, 1, ErrnoReported.class);
        // Operator commands 80–99
        add(80, 1, CommandAccepted.class);
        add(81, 1, CommandRejected.class);
        // Logs 100–119
        add(100, 2, LogLine.class); // 2: sourceOffset
        addOld(100, 1, Legacy.LogLineV1.class, r -> ((Legacy.LogLineV1) r).upgrade());
        add(101, 1, LinesSuppressed.class);
        // The journal itself 120–139
        add(120, 1, JournalDamaged.class);
        add(121, 1, JournalPruned.class);
    }

    private static void add(int id, int version, Class<? extends Event> record) {
        if (id < 1 || id > 0xffff || version < 1 || version > 0xff) throw new IllegalArgumentException(record + ": bad id/version");
        Type type = new Type(id, version, record);
        if (BY_WIRE.putIfAbsent(key(id, version), type) != null) throw new IllegalStateException("id " + id + " used twice");
        if (BY_RECORD.putIfAbsent(record, type) != null) throw new IllegalStateException(record + " registered twice");
    }

    private static int key(int id, int version) {
        return id << 8 | version;
    }

    public static Type of(Class<? extends Event> record) {
        Type type = BY_RECORD.get(record);
        if (type == null) throw new IllegalArgumentException(record.getName() + " has no type id in EventTypes");
        return type;
    }

    /** The type written as (id, version), or empty if this reader does not know it. */
    public static Optional<Type> of(int id, int version) {
        return Optional.ofNullable(BY_WIRE.get(key(id, version)));
    }

    /** An older version of an event type: the shape it was written in, and how it becomes the current record. */
    public record OldVersion(int id, int version, Class<? extends Record> shape, java.util.function.Function<Record, Event> upgrade) {}

    /** The older version {@code version} of type {@code id}, if it is still read. */
    public static Optional<OldVersion> old(int id, int version) {
        return Optional.ofNullable(OLD_BY_WIRE.get(key(id, version)));
    }

    private static void addOld(int id, int version, Class<? extends Record> shape, java.util.function.Function<Record, Event> upgrade) {
        if (BY_WIRE.containsKey(key(id, version)) || OLD_BY_WIRE.putIfAbsent(key(id, version), new OldVersion(id, version, shape, upgrade)) != null) {
            throw new IllegalStateException("id " + id + " version " + version + " used twice");
        }
    }

    public static List<Type> all() {
        return List.copyOf(Collections.unmodifiableCollection(BY_RECORD.values()));
    }
}
