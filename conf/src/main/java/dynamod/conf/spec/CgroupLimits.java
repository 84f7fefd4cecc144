package dynamod.conf.spec;

import dynamod.conf.value.Limit;
import java.util.Optional;
import java.util.OptionalInt;

/** cgroup v2 limits for a service's own cgroup; an empty value leaves the kernel's default. */
public record CgroupLimits(
        Optional<Limit> memoryMax,
        Optional<Limit> memoryHigh,
        OptionalInt cpuWeight,
        Optional<CpuMax> cpuMax,
        Optional<Limit> pidsMax,
        OptionalInt ioWeight) {

    public static final CgroupLimits NONE = new CgroupLimits(
            Optional.empty(), Optional.empty(), OptionalInt.empty(), Optional.empty(), Optional.empty(), OptionalInt.empty());
}
