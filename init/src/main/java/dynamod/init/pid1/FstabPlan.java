package dynamod.init.pid1;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What the real-root phase does with {@code /etc/fstab}, in order (systemd's remount-fs, then local-fs.target): remount
 * {@code /} with its line's options, then mount the other local filesystems in the file's order, except that a mount
 * point inside another line's comes after that line (as systemd's RequiresMountsFor orders them). {@code noauto}
 * lines are not in the plan.
 */
public final class FstabPlan {

    public sealed interface Step {
        Fstab.Entry entry();

        /** mount(2) with MS_REMOUNT on {@code /}: read-write unless the line says {@code ro}. */
        record RemountRoot(Fstab.Entry entry) implements Step {}

        record Mount(Fstab.Entry entry) implements Step {}

        /** Not mounted, and why; {@code quiet}: not worth a line on the console unless dynamod.debug. */
        record Skip(Fstab.Entry entry, String why, boolean quiet) implements Step {}
    }

    private FstabPlan() {}

    /** {@code now}: what is mounted already (an fstab line for a mounted point is skipped, as mount -a does). */
    public static List<Step> plan(Fstab fstab, MountTable now) {
        List<Step> steps = new ArrayList<>();
        Map<String, Fstab.Entry> first = new HashMap<>();
        List<Fstab.Entry> mounts = new ArrayList<>();
        for (Fstab.Entry e : fstab.entries()) {
            if (e.noauto()) continue;
            if (e.swap()) {
                steps.add(new Step.Skip(e, "swap is not turned on: dynamod-init does not call swapon yet", false));
                continue;
            }
            Fstab.Entry earlier = first.putIfAbsent(e.mountPoint(), e);
            if (earlier != null) {
                steps.add(new Step.Skip(e, e.mountPoint() + " is listed already (" + earlier.file() + ")", false));
            } else if (e.mountPoint().equals("/")) {
                steps.addFirst(new Step.RemountRoot(e));
            } else if (e.network()) {
                steps.add(new Step.Skip(e, "a network filesystem: dynamod-init brings up no network to mount it on", false));
            } else if (now.isMounted(e.mountPoint())) {
                steps.add(new Step.Skip(e, "already mounted", true));
            } else {
                mounts.add(e);
            }
        }
        for (Fstab.Entry e : parentsFirst(mounts)) steps.add(new Step.Mount(e));
        return steps;
    }

    /** The file's order, except that a later entry holding an earlier one's mount point moves up to just before it. */
    static List<Fstab.Entry> parentsFirst(List<Fstab.Entry> entries) {
        List<Fstab.Entry> left = new ArrayList<>(entries), ordered = new ArrayList<>();
        while (!left.isEmpty()) {
            Fstab.Entry chosen = outermost(left.getFirst(), left);
            ordered.add(chosen);
            left.remove(chosen);
        }
        return ordered;
    }

    /** The entry still waiting that holds {@code start}, and the one that holds it, ...; {@code start} when none does. */
    private static Fstab.Entry outermost(Fstab.Entry start, List<Fstab.Entry> left) {
        Fstab.Entry current = start;
        boolean moved = true;
        while (moved) {
            moved = false;
            for (Fstab.Entry e : left) {
                if (MountTable.isInside(current.mountPoint(), e.mountPoint())) {
                    current = e;
                    moved = true;
                    break;
                }
            }
        }
        return current;
    }
}
