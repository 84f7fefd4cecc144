package dynamod.conf.spec;

import java.time.Duration;

/** Erlang/OTP restart intensity: more than maxRestarts restarts within window and the supervisor gives up. */
public record Intensity(int maxRestarts, Duration window) {}
