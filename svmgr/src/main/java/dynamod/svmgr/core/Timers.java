package dynamod.svmgr.core;

import dynamod.conf.spec.GiveUp;
import dynamod.conf.spec.ServiceSpec;
import dynamod.conf.spec.SupervisorSpec;
import dynamod.journal.event.ServiceState;
import java.util.ArrayList;
import java.util.List;

/** The timers a state waits on, from the state and the settings in force: to arm after recovery or a switch. */
final class Timers {

    private Timers() {}

    static List<Effect> armed(State state) {
        List<Effect> effects = new ArrayList<>();
        if (state.loaded().isEmpty()) return effects;
        Topology t = state.topology();
        for (int i = 0; i < t.size(); i++) of(t.spec(i), state.service(i), effects);
        for (var retired : state.retired().values()) of(retired.spec(), retired.runtime(), effects);
        for (String name : t.supervisorNames()) {
            SupervisorRuntime r = state.supervisor(name);
            SupervisorSpec spec = t.supervisor(name).spec();
            if (r.status() == SupervisorRuntime.Status.GAVE_UP && spec.giveUp() == GiveUp.RESTART) {
                effects.add(new Effect.StartTimer(new TimerId(name, TimerId.Kind.GIVE_UP), r.since() + spec.giveUpDelay().toNanos()));
            }
        }
        state.shutdown().filter(s -> state.mode() == State.Mode.SHUTTING_DOWN).ifPresent(s -> {
            effects.add(new Effect.StartTimer(new TimerId("", TimerId.Kind.SHUTDOWN), s.deadline()));
        });
        return effects;
    }

    private static void of(ServiceSpec spec, ServiceRuntime r, List<Effect> effects) {
        String name = spec.name();
        if (r.state() == ServiceState.STARTING) {
            spec.readiness().timeout().ifPresent(timeout ->
                    effects.add(new Effect.StartTimer(new TimerId(name, TimerId.Kind.READY), r.since() + timeout.toNanos())));
        }
        if (r.state() == ServiceState.STOPPING && r.stopSignalledAt() != 0 && !r.killed()) {
            effects.add(new Effect.StartTimer(new TimerId(name, TimerId.Kind.STOP), r.stopSignalledAt() + spec.shutdown().stopTimeout().toNanos()));
        }
        if (r.state() == ServiceState.WAITING && r.notBefore() != 0) {
            effects.add(new Effect.StartTimer(new TimerId(name, TimerId.Kind.RESTART), r.notBefore()));
        }
    }
}
