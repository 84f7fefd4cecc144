package dynamod.conf.spec;

import java.time.Duration;

/**
 * When and how soon a service is restarted. The delay doubles with each consecutive restart up to maxDelay;
 * more than maxRestarts restarts within window is a start-limit failure that the supervisor handles.
 */
public record RestartSpec(RestartPolicy policy, Duration delay, Duration maxDelay, int maxRestarts, Duration window) {}
